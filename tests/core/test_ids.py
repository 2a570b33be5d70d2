"""Public ids: a seed's prefix and an opaque 8-character code that decodes back to the row id."""

from __future__ import annotations

import pytest

from ghee import ids
from ghee.errors import NotFound


@pytest.mark.parametrize("row_id", [1, 2, 7, 1000, 123_456_789, 2**32, 2**40 - 1])
def test_encode_then_decode_gives_the_row_id_back(row_id: int) -> None:
    public_id = ids.encode("build", row_id)
    assert ids.decode("build", public_id, "build") == row_id


def test_public_id_is_the_prefix_and_8_characters_of_crockford_base32() -> None:
    public_id = ids.encode("deploy", 42)
    prefix, code = public_id.split("_")
    assert prefix == "deploy"
    assert len(code) == 8
    assert set(code) <= set("0123456789abcdefghjkmnpqrstvwxyz")


def test_codes_are_distinct_and_do_not_count_up_visibly() -> None:
    codes = [ids.encode("proj", n) for n in range(1, 5001)]
    assert len(set(codes)) == len(codes)
    assert codes != sorted(codes)


def test_each_kind_scrambles_differently() -> None:
    assert ids.encode("build", 5).removeprefix("build_") != ids.encode("deploy", 5).removeprefix("deploy_")


def test_two_prefixes_of_one_kind_share_the_code() -> None:
    long_form = ids.encode("build", 99)
    short_form = ids.encode("b", 99, kind="build")
    assert long_form.removeprefix("build_") == short_form.removeprefix("b_")
    assert ids.decode("b", short_form, "build", coder_kind="build") == 99


def test_encoding_is_stable_across_calls() -> None:
    assert ids.encode("asset", 31337) == ids.encode("asset", 31337)


@pytest.mark.parametrize(
    "public_id",
    [
        "",
        "build",
        "build_",
        "build_abc",
        "build_abcdefghj",
        "deploy_abcdefgh",
        "BUILD_abcdefgh",
        "build_ABCDEFGH",
        "build_abcdefgi",
        "build_abcdefgl",
        "build_abcdefgo",
        "build_abcdefgu",
        "build_abcd efg",
        "build-abcdefgh",
        "build_00000000",
    ],
)
def test_malformed_or_zero_ids_are_not_found(public_id: str) -> None:
    with pytest.raises(NotFound) as raised:
        ids.decode("build", public_id, "build")
    assert (raised.value.kind, raised.value.ident) == ("build", public_id)


def test_a_code_decoded_with_another_kind_names_another_row() -> None:
    code = ids.encode("build", 10).removeprefix("build_")
    assert ids.decode("deploy", f"deploy_{code}", "deployment") != 10


@pytest.mark.parametrize("row_id", [0, -1, 2**40])
def test_row_ids_without_a_code_of_their_own_are_refused(row_id: int) -> None:
    with pytest.raises(ValueError, match="outside"):
        ids.encode("build", row_id)


def test_the_largest_row_id_round_trips() -> None:
    assert ids.decode("build", ids.encode("build", 2**40 - 1), "build") == 2**40 - 1
