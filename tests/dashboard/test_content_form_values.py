"""What the page and item editors read from a form: hostile values are a clear 400 (``Invalid``), never a 500."""

from __future__ import annotations

import pytest

from ghee.core.content.fields import FieldSpec
from ghee.dashboard.pages.content_fields import PREFIX, values_from_form
from ghee.errors import Invalid

SCHEMA = [
    FieldSpec("price", "number"),
    FieldSpec("author", "reference", to="collection:team"),
    FieldSpec("related", "reference", to="page_type:*", many=True),
    FieldSpec("faq", "repeater", fields=[FieldSpec("q", "text")]),
]


def _form(**values: str) -> dict[str, str]:
    return {PREFIX + key: value for key, value in values.items()}


@pytest.mark.parametrize("number", ["inf", "-inf", "nan", "NaN", "1e400", "9" * 5000, "Infinity"])
def test_a_number_must_be_finite(number: str) -> None:
    with pytest.raises(Invalid, match="price: must be a"):
        values_from_form(SCHEMA, _form(price=number))


@pytest.mark.parametrize("reference", ["²", "①", "٣"])
def test_unicode_digits_are_slugs_not_ids(reference: str) -> None:
    assert values_from_form(SCHEMA, _form(author=reference)) == {"author": reference}


def test_an_id_of_five_thousand_digits_is_refused() -> None:
    with pytest.raises(Invalid, match=r"author: .* is no collection item id"):
        values_from_form(SCHEMA, _form(author="7" * 5000))
    with pytest.raises(Invalid, match="related: "):
        values_from_form(SCHEMA, _form(related="home, " + "7" * 5000))


def test_a_repeater_nested_three_thousand_deep_is_refused() -> None:
    with pytest.raises(Invalid, match="faq: must be a JSON list"):
        values_from_form(SCHEMA, _form(faq="[" * 3000 + "]" * 3000))


def test_ordinary_values_still_read_as_before() -> None:
    form = _form(price="12.5", author="42", related="home, 7", faq='[{"q": "Why?"}]')
    assert values_from_form(SCHEMA, form) == {
        "price": 12.5,
        "author": 42,
        "related": ["home", 7],
        "faq": [{"q": "Why?"}],
    }
    assert values_from_form(SCHEMA, _form(price="3")) == {"price": 3}


def test_ticked_reference_checkboxes_are_a_list_of_slugs_and_ids() -> None:
    form = {PREFIX + "related": ["home", "7"]}  # f.related[0]=home&f.related[1]=7
    assert values_from_form(SCHEMA, form) == {"related": ["home", 7]}
    assert values_from_form(SCHEMA, {PREFIX + "related": []}) == {}


def test_a_reference_sent_as_an_object_is_refused() -> None:
    with pytest.raises(Invalid, match="related: must be page slugs or collection item ids"):
        values_from_form(SCHEMA, {PREFIX + "related": [{"slug": "home"}]})
    with pytest.raises(Invalid, match="author: must be a single value"):
        values_from_form(SCHEMA, {PREFIX + "author": ["1", "2"]})
