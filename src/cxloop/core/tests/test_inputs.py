"""The bounded input types: what each accepts, and that the edges just outside are refused."""

from datetime import date

import pytest
from django import forms
from django.urls import resolve
from django.urls.exceptions import Resolver404
from ninja import Schema
from pydantic import ValidationError

from cxloop.core.inputs import (
    MAX_DB_INT,
    DateField,
    DbId,
    DbIdConverter,
    InputDate,
    InputDateTime,
    LimitOffsetPagination,
    QueryText,
    StrictDbId,
    parse_db_id,
    parse_int,
    parse_text,
)


class Values(Schema):
    id: DbId | None = None
    strict_id: StrictDbId | None = None
    day: InputDate | None = None
    moment: InputDateTime | None = None
    text: QueryText | None = None


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("42", 42), (" 7 ", 7), ("-3", -3), ("+3", 3), (str(MAX_DB_INT), MAX_DB_INT),
        (str(MAX_DB_INT + 1), None), (str(-(2**63) - 1), None), ("9" * 5000, None),
        ("1_000", None), ("1e3", None), ("\u0661", None), ("１２", None), ("", None), (None, None), (5, None),
    ],
)  # fmt: skip
def test_parse_int_reads_only_ascii_decimals_that_fit_64_bits(raw, expected):
    assert parse_int(raw) == expected


def test_parse_db_id_refuses_zero_and_negative_ids():
    assert [parse_db_id(raw) for raw in ("0", "-1", "1", str(MAX_DB_INT))] == [None, None, 1, MAX_DB_INT]


def test_parse_text_drops_nul_characters_strips_and_cuts():
    assert parse_text("  ania\x00@example.pl ", max_length=8) == "ania@exa"
    assert parse_text(None, max_length=8) == ""


@pytest.mark.parametrize(
    "field, good, bad",
    [
        ("id", [1, "17", MAX_DB_INT], [0, -1, MAX_DB_INT + 1, "1.5"]),
        ("strict_id", [1, MAX_DB_INT], [0, MAX_DB_INT + 1, "17", True]),
        ("day", ["1900-01-01", "2999-12-31"], ["1899-12-31", "3000-01-01", "9999-12-31", "0001-01-01"]),
        ("moment", ["1900-01-01T00:00:00+14:00", "2999-12-31T23:59:59-12:00"],
         ["9999-12-31T23:59:59", "0001-01-01T00:00:00Z", "3000-01-01T00:00:00"]),
        ("text", ["ania", ""], ["ania\x00"]),
    ],
)  # fmt: skip
def test_schema_types_accept_their_range_and_refuse_just_outside_it(field, good, bad):
    for value in good:
        assert getattr(Values(**{field: value}), field) is not None, value
    for value in bad:
        with pytest.raises(ValidationError) as refused:
            Values(**{field: value})
        assert refused.value.errors()[0]["loc"] == (field,), value


def test_pagination_bounds_limit_and_offset_to_64_bits():
    Input = LimitOffsetPagination.Input

    assert Input(limit=MAX_DB_INT, offset=MAX_DB_INT).offset == MAX_DB_INT
    for values in ({"limit": 0}, {"limit": MAX_DB_INT + 1}, {"offset": -1}, {"offset": MAX_DB_INT + 1}):
        with pytest.raises(ValidationError):
            Input(**values)


class RangeForm(forms.Form):
    since = DateField(required=False)


@pytest.mark.parametrize(
    "raw, error",
    [
        ("1900-01-01", None),
        ("2999-12-31", None),
        ("1899-12-31", "Choose a date from 1900-01-01 on."),
        ("9999-12-31", "Choose a date up to 2999-12-31."),
    ],
)
def test_the_form_date_field_refuses_days_outside_the_range_with_a_field_error(raw, error):
    form = RangeForm({"since": raw})

    if error is None:
        assert form.is_valid() and form.cleaned_data["since"] == date.fromisoformat(raw)
    else:
        assert form.errors == {"since": [error]}


def test_the_id_converter_matches_only_ids_a_row_can_have():
    converter = DbIdConverter()

    assert converter.to_python("42") == 42
    assert converter.to_url(42) == "42"
    for raw in ("0", str(MAX_DB_INT + 1)):
        with pytest.raises(ValueError):
            converter.to_python(raw)


def test_an_id_path_past_64_bits_resolves_to_no_view():
    assert resolve(f"/surveys/{MAX_DB_INT}/").kwargs == {"survey_id": MAX_DB_INT}
    for path in (f"/surveys/{MAX_DB_INT + 1}/", "/surveys/0/", "/customers/99999999999999999999/"):
        with pytest.raises(Resolver404):
            resolve(path)
