"""Form bodies as JSON, and the limits every body is parsed within (``ghee.http.bodies``).

The same limits over HTTP, on every route: test_hostile_bodies.py.
"""

from __future__ import annotations

import msgspec
import pytest

from ghee.errors import Invalid
from ghee.http.bodies import (
    MAX_DEPTH,
    MAX_FIELDS,
    MAX_VALUES,
    SCAN_CHUNK,
    JsonShape,
    check_json,
    form_to_object,
    json_shape,
)


def test_form_fields_in_bracket_notation_nest() -> None:
    body = "status=success&artifacts[0][name]=a.zip&artifacts[0][size_bytes]=3&artifacts[1][name]=b.zip"
    assert form_to_object(body) == {
        "status": "success",
        "artifacts": [{"name": "a.zip", "size_bytes": "3"}, {"name": "b.zip"}],
    }


def test_form_fields_decode_percent_and_plus() -> None:
    assert form_to_object("branch=feature%2Ffind%26replace&note=a+b") == {
        "branch": "feature/find&replace",
        "note": "a b",
    }


def test_only_ascii_digits_make_a_list_index() -> None:
    # "³" and "٣" count as digits to str.isdigit, but are names here, not positions.
    assert form_to_object("a[%C2%B3]=x&a[%D9%A3]=y") == {"a": {"³": "x", "٣": "y"}}
    assert form_to_object("%C2%B3=1") == {"³": "1"}


def test_form_field_that_is_both_value_and_object_is_invalid() -> None:
    with pytest.raises(Invalid):
        form_to_object("a=1&a[b]=2")


def test_form_with_invalid_utf8_is_invalid() -> None:
    with pytest.raises(Invalid, match="UTF-8"):
        form_to_object("name=%FF")


def test_form_names_nest_up_to_the_limit() -> None:
    nested: object = form_to_object("x" + "[a]" * (MAX_DEPTH - 1) + "=1")["x"]
    for _ in range(MAX_DEPTH - 1):
        assert isinstance(nested, dict)
        nested = nested["a"]
    assert nested == "1"
    with pytest.raises(Invalid, match=f"nest deeper than {MAX_DEPTH} levels"):
        form_to_object("x" + "[a]" * MAX_DEPTH + "=1")


def test_a_600_level_form_name_is_invalid_not_a_recursion_error() -> None:
    with pytest.raises(Invalid):
        form_to_object("x" + "[0]" * 600 + "=1")


def test_list_positions_are_ordered_and_bounded() -> None:
    assert form_to_object("x[999999]=c&x[007]=b&x[0]=a") == {"x": ["a", "b", "c"]}
    with pytest.raises(Invalid, match="below 1000000"):
        form_to_object("x[1000000]=1")
    with pytest.raises(Invalid, match="below 1000000"):
        form_to_object("x[" + "9" * 5000 + "]=1")


def test_a_form_holds_at_most_the_limit_of_fields() -> None:
    assert len(form_to_object("&".join(f"k{i}=v" for i in range(MAX_FIELDS)))) == MAX_FIELDS
    with pytest.raises(Invalid, match=f"at most {MAX_FIELDS} fields"):
        form_to_object("&".join(f"k{i}=v" for i in range(MAX_FIELDS + 1)))


def test_a_nul_in_a_form_is_invalid() -> None:
    for body in ("name=a%00b", "a%00=b", "name=a\x00b"):
        with pytest.raises(Invalid, match="NUL"):
            form_to_object(body)
    assert form_to_object("name=100%2500") == {"name": "100%00"}


def test_json_shape_counts_arrays_and_objects_not_brackets_in_strings() -> None:
    assert json_shape(b'{"a": [1, {"b": []}]}') == JsonShape(depth=4, values=2)
    assert json_shape(b'"[[[[,,,"') == JsonShape(depth=0, values=0)
    assert json_shape(b'{"a": "\\"[[[", "b": ["\\\\", [2]]}') == JsonShape(depth=3, values=3)
    assert json_shape(b"1") == JsonShape(depth=0, values=0)
    assert json_shape(b"[0, 1, 2]") == JsonShape(depth=1, values=3)


def nested(depth: int) -> object:
    return [nested(depth - 1)] if depth else 0


@pytest.mark.parametrize("offset", range(12))
def test_json_shape_reads_strings_and_escapes_across_its_chunks(offset: int) -> None:
    """A string, or a backslash and the character it escapes, cut by a chunk's end are read as one."""
    document = msgspec.json.encode({"pad": "x" * (SCAN_CHUNK - 20 + offset), "s": '[[\\"{,', "n": nested(5)})
    assert json_shape(document) == JsonShape(depth=6, values=3)
    long_string = msgspec.json.encode(['\\"[{,' * SCAN_CHUNK, nested(3)])
    assert json_shape(long_string) == JsonShape(depth=4, values=2)


def test_json_nested_past_the_limit_is_invalid() -> None:
    check_json(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH)
    with pytest.raises(Invalid, match=f"nest deeper than {MAX_DEPTH} levels"):
        check_json(b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1))
    check_json(b'["' + b"[" * 5000 + b'"]')


def test_a_nul_escape_in_json_is_invalid_but_an_escaped_backslash_before_u0000_is_not() -> None:
    with pytest.raises(Invalid, match="NUL"):
        check_json(b'{"a": "x\\u0000"}')
    with pytest.raises(Invalid, match="NUL"):
        check_json(b'{"a": "x\\\\\\u0000"}')  # an escaped backslash, then \u0000
    check_json(b'{"a": "x\\\\u0000"}')  # a backslash, then the text "u0000"


def test_json_holds_at_most_the_limit_of_values() -> None:
    check_json(b"[" + b"0," * (MAX_VALUES - 1) + b"0]")
    check_json(b'["' + b"," * (MAX_VALUES * 2) + b'"]')  # commas inside a string are no values
    with pytest.raises(Invalid, match=f"at most {MAX_VALUES} values"):
        check_json(b"[" + b"0," * MAX_VALUES + b"0]")
    with pytest.raises(Invalid, match=f"at most {MAX_VALUES} values"):
        check_json(b'{"a": [' + b"[]," * MAX_VALUES + b"[]]}")
