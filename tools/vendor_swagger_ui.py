"""Refresh the Swagger UI files that ``/docs`` serves, from the npm package pinned in src/ghee/reference/vendored.json.

    python tools/vendor_swagger_ui.py            # the pinned version again: every file must come out identical
    python tools/vendor_swagger_ui.py 5.36.0     # another version: its tarball, integrity and file digests recorded

``npm pack`` fetches the tarball (npm is needed here only, never to install or
run ghee); its SHA-512 must equal the recorded ``integrity`` (for a new
version: the one the registry publishes), then the files are copied into
src/ghee/reference/static/ and their SHA-256 written to the record, which
tests/test_api_reference.py checks the shipped files against.
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RECORD = ROOT / "src" / "ghee" / "reference" / "vendored.json"
STATIC = ROOT / "src" / "ghee" / "reference" / "static"
PACKAGE = "swagger-ui-dist"
FILES = ("swagger-ui-bundle.js", "swagger-ui.css", "LICENSE", "NOTICE", "swagger-ui-bundle.js.LICENSE.txt")
"""The bundle (no standalone preset: ghee's page has no top bar), its stylesheet, and the licenses."""


def _npm(*args: str, cwd: Path) -> str:
    return subprocess.run(["npm", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def _sha512(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def main() -> None:
    record = json.loads(RECORD.read_text())
    version = sys.argv[1] if len(sys.argv) > 1 else record["version"]
    with tempfile.TemporaryDirectory() as temporary:
        work = Path(temporary)
        expected = (
            record["integrity"]
            if version == record["version"]
            else _npm("view", f"{PACKAGE}@{version}", "dist.integrity", cwd=work)
        )
        tarball = work / _npm("pack", "--silent", f"{PACKAGE}@{version}", cwd=work).splitlines()[-1]
        if _sha512(tarball) != expected:
            sys.exit(f"{tarball.name}: its SHA-512 is not {expected}; nothing changed")
        with tarfile.open(tarball) as archive:
            wanted = [archive.getmember(f"package/{name}") for name in (*FILES, "package.json")]
            archive.extractall(work, members=wanted, filter="data")
        license_ = json.loads((work / "package" / "package.json").read_text())["license"]
        digests = {}
        for name in FILES:
            body = (work / "package" / name).read_bytes()
            (STATIC / name).write_bytes(body)
            digests[name] = hashlib.sha256(body).hexdigest()
    record.update(version=version, license=license_, integrity=expected, files=digests)
    RECORD.write_text(json.dumps(record, indent=2) + "\n")
    print(f"{PACKAGE} {version}: {len(FILES)} files in {STATIC.relative_to(ROOT)}, recorded in {RECORD.name}")


if __name__ == "__main__":
    main()
