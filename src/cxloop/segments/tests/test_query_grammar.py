"""Segment queries read as Shopify merchants write them; anything else is refused where it goes wrong."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxloop.segments.query.ast import Condition, Group, RelativeDate, conditions
from cxloop.segments.query.errors import SegmentQueryError
from cxloop.segments.query.grammar import MAX_DEPTH, MAX_TERMS, parse

SHOPIFY_EXAMPLE = (
    "amount_spent > 100 AND number_of_orders >= 2 AND last_order_date < -90d AND "
    "customer_tags CONTAINS 'vip' AND predicted_spend_tier = 'HIGH' AND rfm_group = 'AT_RISK'"
)


def refusal(text: str) -> SegmentQueryError:
    with pytest.raises(SegmentQueryError) as caught:
        parse(text)
    return caught.value


def test_the_shopify_example_reads_as_six_conditions_joined_by_and():
    tree = parse(SHOPIFY_EXAMPLE)

    assert isinstance(tree, Group) and tree.kind == "AND"
    assert [(c.field, c.operator, [v.value for v in c.values]) for c in conditions(tree)] == [
        ("amount_spent", ">", [Decimal("100")]),
        ("number_of_orders", ">=", [Decimal("2")]),
        ("last_order_date", "<", [RelativeDate(90, "d")]),
        ("customer_tags", "CONTAINS", ["vip"]),
        ("predicted_spend_tier", "=", ["HIGH"]),
        ("rfm_group", "=", ["AT_RISK"]),
    ]


def test_and_binds_tighter_than_or_and_parentheses_group():
    loose = parse("a = 1 OR b = 2 AND c = 3")
    grouped = parse("(a = 1 or b = 2) and c = 3")

    assert loose.kind == "OR" and loose.parts[1].kind == "AND"
    assert grouped.kind == "AND" and grouped.parts[0].kind == "OR"


@pytest.mark.parametrize(
    ("text", "operator", "values"),
    [
        ("x BETWEEN 10 AND 20", "BETWEEN", [Decimal(10), Decimal(20)]),
        ("x is null", "IS NULL", []),
        ("x IS NOT NULL", "IS NOT NULL", []),
        ("x NOT CONTAINS 'it\\'s'", "NOT CONTAINS", ["it's"]),
        ('x = "double"', "=", ["double"]),
        ("x >= 2024-02-29", ">=", [date(2024, 2, 29)]),
        ("x > -2w", ">", [RelativeDate(2, "w")]),
        ("x < today", "<", [RelativeDate(0, "d")]),
        ("x = yesterday", "=", [RelativeDate(1, "d")]),
        ("x != FALSE", "!=", [False]),
        ("x > -12.5", ">", [Decimal("-12.5")]),
        ("x = 'Żółć 王 سلام'", "=", ["Żółć 王 سلام"]),
    ],
)
def test_every_operator_and_kind_of_value(text, operator, values):
    condition = parse(text)

    assert (condition.operator, [v.value for v in condition.values]) == (operator, values)


def test_a_field_with_arguments():
    condition = parse("products_viewed(id: '8123', since: -7d) = true")

    assert isinstance(condition, Condition)
    assert [(name, literal.value) for name, literal in condition.arguments] == [
        ("id", "8123"), ("since", RelativeDate(7, "d")),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "position", "message", "hint"),
    [
        ("amount_spent >", 14, "ends too early", "a number"),
        ("amount_spent > 100 AND", 22, "ends too early", "a field name"),
        ("amount_spent >> 3", 14, "Unexpected '>'", "a number"),
        ("x = 'abc", 4, "no closing quote", "End it with '"),
        ("x = 2024-13-01", 4, "not a date of the calendar", "year-month-day"),
        ("x = 100days", 4, "Unexpected character", ""),
        ("DROP TABLE customers", 5, "Unexpected 'TABLE'", "CONTAINS"),
        ("amount_spent > 100; DELETE FROM x", 18, "Unexpected character ';'", ""),
        ("x = 10000000000000", 4, "too large", ""),
        ("x > -999999d", 4, "too far back", ""),
        ("   ", 0, "no conditions yet", "amount_spent > 100"),
    ],
)
def test_a_query_that_cannot_be_read_is_refused_at_its_position(text, position, message, hint):
    error = refusal(text)

    assert error.position == position
    assert message in error.message
    assert hint in error.hint
    assert error.status == 422 and error.as_dict()["position"] == position


def test_too_many_conditions_are_refused():
    error = refusal(" OR ".join(["amount_spent > 1"] * (MAX_TERMS + 1)))

    assert f"at most {MAX_TERMS} conditions" in error.message


def test_ten_thousand_terms_are_refused_by_length_before_parsing():
    error = refusal(" AND ".join(["a = 1"] * 10_000))

    assert "characters long" in error.message


def test_deep_nesting_is_refused_and_needless_parentheses_are_not():
    nested = "a = 1"
    for n in range(MAX_DEPTH + 1):
        nested = f"(b{n} = 1 OR ({nested} AND c = 1))"

    assert "levels deep" in refusal(nested).message
    assert parse("(" * 100 + "a = 1" + ")" * 100).field == "a"


def test_a_text_value_is_limited_and_nul_is_refused():
    assert "at most 200 characters" in refusal("x = '" + "a" * 201 + "'").message
    assert "NUL" in refusal("x = 'a\x00'").message


PIECES = [
    *"()'\"=<>!-:,. \n\\",
    "AND",
    "OR",
    "NOT",
    "CONTAINS",
    "IS",
    "NULL",
    "x",
    "1",
    "d",
    "a_b",
    "ż",
    "2024-01-01",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join) | st.text(max_size=60))
def test_any_text_reads_or_is_refused_with_a_position_inside_it(text):
    try:
        parse(text)
    except SegmentQueryError as error:
        assert 0 <= error.position <= len(text)
        assert error.message
