#!/usr/bin/env python3
"""A stand-in ``p4`` for the tests: prints recorded ``p4 -ztag`` output, as a Helix Core server's p4 would.

Installed on ``PATH`` as ``p4``. ``FAKE_P4_RECORDED`` is the folder of
recordings (``describe-<change>.txt``, ``changes.txt``); every call is
appended to ``FAKE_P4_LOG`` with the P4PORT and P4USER it ran with.
``FAKE_P4_DOWN=1`` makes it fail as p4 does when the server cannot be
reached; ``FAKE_P4_SLEEP`` makes it take that many seconds first.
"""

import os
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

recorded = Path(os.environ["FAKE_P4_RECORDED"])
arguments = sys.argv[1:]
with Path(os.environ["FAKE_P4_LOG"]).open("a") as log:
    log.write(f"{os.environ.get('P4PORT', '')} {os.environ.get('P4USER', '')} {' '.join(arguments)}\n")
time.sleep(float(os.environ.get("FAKE_P4_SLEEP") or 0))
if os.environ.get("FAKE_P4_DOWN") == "1":
    port = os.environ.get("P4PORT", "perforce:1666")
    sys.stderr.write(
        f"Perforce client error:\n\tConnect to server failed; check $P4PORT.\n\tTCP connect to {port} failed.\n"
        "\tconnect: 127.0.0.1:1666: Connection refused\n"
    )
    sys.exit(1)
if arguments[:1] != ["-ztag"]:
    sys.exit(f"stand-in p4: only -ztag output is recorded, not {arguments}")
command, rest = arguments[1], arguments[2:]
if command == "describe" and rest[:1] == ["-s"]:
    found = recorded / f"describe-{rest[1]}.txt"
    if not found.exists():
        sys.stderr.write(f"Change {rest[1]} unknown.\n")
        sys.exit(1)
    sys.stdout.write(found.read_text())
elif command == "changes":
    records = [r for r in recorded.joinpath("changes.txt").read_text().split("\n\n") if r.strip()]
    since_change = int(rest[rest.index("-e") + 1]) if "-e" in rest else 0
    since_time = 0
    if dated := re.search(r"@([0-9]{4})/([0-9]{2})/([0-9]{2}),@now$", rest[-1]):
        since_time = datetime(*map(int, dated.groups()), tzinfo=UTC).timestamp()
    chosen = [
        r
        for r in records
        if int(re.search(r"^\.\.\. change ([0-9]+)$", r, re.MULTILINE).group(1)) >= since_change
        and int(re.search(r"^\.\.\. time ([0-9]+)$", r, re.MULTILINE).group(1)) >= since_time
    ]
    sys.stdout.write("\n\n".join(chosen) + ("\n" if chosen else ""))
else:
    sys.exit(f"stand-in p4: {command} is not recorded")
