"""Each segment field picks the customers it names, on fixed data whose answers are worked out by hand."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxloop.commerce.models import Customer, Event, LineItem, Order, Product
from cxloop.segments.models import CustomerPrediction
from cxloop.segments.query import SegmentQueryError, compile_query, count_matching, customers_matching

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def customer(
    store,
    name,
    *,
    spent="0",
    orders=0,
    last=None,
    tags=(),
    language="",
    country="",
    consent="not_subscribed",
    erased=False,
):
    return Customer.objects.create(
        store=store, email=f"{name}@example.com", email_key=f"{name}@example.com", first_name=name,
        amount_spent=Decimal(spent), orders_count=orders, last_order_at=last, first_order_at=last,
        tags=list(tags), language=language, country=country, email_consent=consent,
        created_at=NOW - timedelta(days=400), updated_at=NOW, erased_at=NOW if erased else None,
    )  # fmt: skip


def predict(store, who, *, tier, group, alive, value):
    CustomerPrediction.objects.create(
        store=store, customer=who, spend_tier=tier, rfm_group=group, probability_alive=alive,
        expected_orders_90=0.5, expected_orders_365=alive * 3, predicted_value_365=Decimal(value),
        computed_at=NOW,
    )  # fmt: skip


@pytest.fixture
def people(store):
    store.timezone = "Europe/Warsaw"
    store.save(update_fields=["timezone"])
    # 2026-11-19 23:30 UTC is 2026-11-20 00:30 in Warsaw: the store's 20 November.
    ania = customer(store, "ania", spent="250", orders=3, last=datetime(2026, 11, 19, 23, 30, tzinfo=UTC),
                    tags=["VIP", "wholesale"], language="pl", country="PL", consent="subscribed")  # fmt: skip
    ben = customer(store, "ben", spent="40", orders=1, last=datetime(2026, 5, 1, 10, tzinfo=UTC),
                   language="en",
                   country="GB", consent="unsubscribed")  # fmt: skip
    chen = customer(store, "chen", tags=["vip"], language="zh-hans", country="CN")
    customer(store, "erased", spent="1000", orders=9, last=NOW, tags=["vip"], erased=True)
    predict(store, ania, tier="HIGH", group="CHAMPIONS", alive=0.9, value="400")
    predict(store, ben, tier="LOW", group="AT_RISK", alive=0.2, value="10")
    return {"ania": ania, "ben": ben, "chen": chen}


def names(store, text):
    return sorted(customers_matching(store, text, now=NOW).values_list("first_name", flat=True))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("amount_spent > 100", ["ania"]),
        ("amount_spent >= 40", ["ania", "ben"]),
        ("amount_spent BETWEEN 300 AND 20", ["ania", "ben"]),  # either order
        ("amount_spent != 0", ["ania", "ben"]),
        ("number_of_orders = 0", ["chen"]),
        ("last_order_date < -90d", ["ben"]),
        ("last_order_date > -30d", ["ania"]),
        ("last_order_date = 2026-11-20", ["ania"]),  # the store's day, not UTC's
        ("last_order_date = 2026-11-19", []),
        ("last_order_date <= 2026-11-20", ["ania", "ben"]),
        ("last_order_date > 2026-11-20", []),
        ("last_order_date != 2026-11-20", ["ben"]),  # a customer without orders has no date
        ("last_order_date IS NULL", ["chen"]),
        ("first_order_date BETWEEN -1y AND today", ["ania", "ben"]),
        ("customer_added_date < -1y", ["ania", "ben", "chen"]),
        ("customer_tags CONTAINS 'vip'", ["ania", "chen"]),
        ("customer_tags CONTAINS 'VIP'", ["ania", "chen"]),
        ("customer_tags NOT CONTAINS 'vip'", ["ben"]),
        ("customer_language = 'PL'", ["ania"]),
        ("customer_language != 'pl'", ["ben", "chen"]),
        ("country = 'cn'", ["chen"]),
        ("email_subscription_status = 'subscribed'", ["ania"]),
        ("email_subscription_status != 'SUBSCRIBED'", ["ben", "chen"]),
        ("predicted_spend_tier = 'HIGH'", ["ania"]),
        ("predicted_spend_tier != 'HIGH'", ["ben"]),  # no prediction: no tier
        ("predicted_spend_tier IS NULL", ["chen"]),
        ("rfm_group = 'AT_RISK'", ["ben"]),
        ("churn_risk > 60", ["ben"]),  # 1 - 0.2 = 80 %
        ("churn_risk <= 10", ["ania"]),  # 1 - 0.9 = 10 %
        ("predicted_value >= 400", ["ania"]),
        ("predicted_orders < 1", ["ben"]),
        ("amount_spent > 100 OR customer_tags CONTAINS 'vip' AND country = 'CN'", ["ania", "chen"]),
        ("(amount_spent > 100 OR customer_tags CONTAINS 'vip') AND country = 'CN'", ["chen"]),
        ("customer_language = 'pl' OR country = 'CN'", ["ania", "chen"]),
        ("customer_tags CONTAINS 'vip' OR amount_spent > 500 OR country = 'GB'", ["ania", "ben", "chen"]),
    ],
)
def test_a_field_picks_the_customers_it_names_and_never_an_erased_one(store, people, text, expected):
    assert names(store, text) == expected
    assert count_matching(store, text, now=NOW) == len(expected)


def test_an_or_at_the_top_asks_for_the_stores_live_customers_in_each_branch(store, people):
    # SQLite searches one index per branch only when each branch names the store and the live
    # customers itself (MULTI-INDEX OR); with them outside the OR it scans the whole table.
    sql = str(customers_matching(store, "customer_language = 'pl' OR country = 'CN'", now=NOW).query)
    where = sql.split(" WHERE ", 1)[1]

    assert where.count('"erased_at" IS NULL') == 2 and where.count('"store_id" =') == 2
    assert where.startswith("((") and ") OR (" in where


def test_an_or_under_an_and_is_multiplied_out_into_branches_that_each_name_the_live_customers(store, people):
    text = "(customer_language = 'pl' OR country = 'CN') AND amount_spent > 10"
    where = str(customers_matching(store, text, now=NOW).query).split(" WHERE ", 1)[1]

    assert where.count('"erased_at" IS NULL') == 2 and where.count('"amount_spent" >') == 2
    assert names(store, text) == ["ania"]


ATOMS = [
    "amount_spent > 100", "customer_language = 'pl'", "country = 'CN'", "customer_tags CONTAINS 'vip'",
    "number_of_orders >= 1", "predicted_spend_tier = 'HIGH'", "last_order_date IS NULL",
]  # fmt: skip


@st.composite
def queries(draw, depth=3):
    if depth == 0 or draw(st.booleans()):
        return draw(st.sampled_from(ATOMS))
    parts = draw(st.lists(queries(depth=depth - 1), min_size=2, max_size=3))
    return "(" + f" {draw(st.sampled_from(['AND', 'OR']))} ".join(parts) + ")"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=queries())
def test_the_branches_match_the_customers_the_condition_matches(store, people, text):
    # the condition as written, with the store and "not erased" outside it
    live = Customer.objects.filter(store=store, erased_at__isnull=True)
    plain = live.filter(compile_query(store, text, now=NOW))

    assert names(store, text) == sorted(plain.values_list("first_name", flat=True))
    assert count_matching(store, text, now=NOW) == plain.count()


@pytest.mark.parametrize(
    ("text", "expected", "on_predictions"),
    [
        ("predicted_spend_tier = 'HIGH'", 1, True),
        ("predicted_spend_tier = 'HIGH' OR rfm_group = 'AT_RISK'", 2, True),
        ("churn_risk > 5 AND predicted_value >= 10", 2, True),
        ("predicted_spend_tier != 'HIGH'", 1, False),  # NOT: a customer without a prediction must not count
        ("predicted_spend_tier IS NULL", 1, False),
        ("predicted_spend_tier = 'HIGH' AND amount_spent > 100", 1, False),
        ("predicted_spend_tier = 'HIGH' OR customer_tags CONTAINS 'vip'", 2, False),
    ],
)
def test_a_count_only_about_predictions_is_read_from_them_and_still_leaves_the_erased_out(
    store, people, text, expected, on_predictions
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # an erased customer whose prediction a refresh begun before the erasure wrote back
    erased = Customer.objects.get(store=store, first_name="erased")
    predict(store, erased, tier="HIGH", group="AT_RISK", alive=0.5, value="900")

    with CaptureQueriesContext(connection) as queries:
        count = count_matching(store, text, now=NOW)

    assert count == expected == len(names(store, text))
    counted_from = queries.captured_queries[-1]["sql"].split(" FROM ", 1)[1].split()[0].strip('"')
    assert counted_from == ("segments_customerprediction" if on_predictions else "commerce_customer")


def test_events_orders_surveys_and_conversations_as_yes_or_no_fields(store, people):
    from cxloop.helpdesk.models import Conversation
    from cxloop.surveys.models import Response
    from cxloop.surveys.tests.factories import make_survey

    ania, ben = people["ania"], people["ben"]
    Event.objects.create(store=store, event_id="e1", type="product_view", customer=ania,
                         properties={"product_id": "8123"}, occurred_at=NOW - timedelta(days=2),
                         received_at=NOW)  # fmt: skip
    Event.objects.create(store=store, event_id="e2", type="add_to_cart", customer=ben,
                         properties={}, occurred_at=NOW - timedelta(days=20), received_at=NOW)  # fmt: skip
    product = Product.objects.create(store=store, external_id="55", title="Buty")
    order = Order.objects.create(store=store, customer=ben, platform="shopify", external_id="o1", number="#1",
                                 currency="PLN", total=Decimal("40"),
                                 created_at=NOW - timedelta(days=200))  # fmt: skip
    LineItem.objects.create(store=store, order=order, product=product, title="Buty", price=Decimal("40"))
    nps = make_survey(store)
    for who, score, days in ((ania, 3, 10), (ania, 10, 1), (ben, 8, 5)):
        band = "high" if score >= 9 else "mid" if score >= 7 else "low"
        Response.objects.create(store=store, survey=nps, customer=who, channel="email", language="pl",
                                score=score, band=band, created_at=NOW - timedelta(days=days),
                                updated_at=NOW)  # fmt: skip
    Conversation.objects.create(store=store, number=1, customer=ben, channel="email", subject="Zwrot",
                                created_at=NOW - timedelta(days=3), updated_at=NOW,
                                last_message_at=NOW)  # fmt: skip

    assert names(store, "products_viewed(since: -7d) = true") == ["ania"]
    assert names(store, "products_viewed(id: '8123') = true") == ["ania"]
    assert names(store, "products_viewed(id: '9999') = true") == []
    assert names(store, "products_viewed = false") == ["ben", "chen"]
    assert names(store, "products_purchased(id: 55) = true") == ["ben"]
    assert names(store, "products_purchased(id: '55', since: -30d) = true") == []
    assert names(store, "storefront_event(type: 'add_to_cart', since: -30d) = true") == ["ben"]
    assert names(store, "storefront_event(type: 'add_to_cart', since: -7d) = true") == []
    assert names(store, "last_nps_band = 'PROMOTER'") == ["ania"]  # her latest answer, not the 3
    assert names(store, "last_nps_band = 'passive'") == ["ben"]
    assert names(store, "last_nps_band != 'DETRACTOR'") == ["ania", "ben"]
    assert names(store, "last_nps_band IS NULL") == ["chen"]
    assert names(store, "survey_answered(since: -3d) = true") == ["ania"]
    assert names(store, "contacted_support(since: -30d) = true") == ["ben"]
    assert names(store, "has_open_conversation = true AND amount_spent < 100") == ["ben"]


@pytest.mark.parametrize(
    ("text", "position", "words"),
    [
        ("amount_spnt > 100", 0, ["no field amount_spnt", "Did you mean amount_spent?"]),
        ("amount_spent > 'lots'", 15, ["compares with a number"]),
        ("amount_spent CONTAINS 5", 0, ["cannot be compared with CONTAINS", "Use one of"]),
        ("last_order_date > 5", 18, ["compares with a date"]),
        ("rfm_group = 'AT_RISC'", 12, ["not a value of rfm_group", "Did you mean 'AT_RISK'?"]),
        ("rfm_group = 5", 12, ["text in quotes"]),
        ("customer_tags CONTAINS ''", 0, ["Name the tag"]),
        ("churn_risk > 150", 13, ["percentage from 0 to 100"]),
        ("products_viewed(colour: 'red') = true", 24, ["has no argument colour", "id, since"]),
        ("amount_spent(since: -7d) > 3", 20, ["has no argument since", "no arguments"]),
        ("products_viewed = 3", 18, ["true or false"]),
        ("storefront_event(type: 'x; DROP') = true", 23, ["an event's name"]),
        ("amount_spent > 1 AND customer_tags CONTAINS 3", 44, ["text in quotes"]),
    ],
)
def test_a_wrong_field_or_value_is_refused_at_its_position_with_a_hint(store, people, text, position, words):
    with pytest.raises(SegmentQueryError) as caught:
        names(store, text)

    shown = f"{caught.value.message} {caught.value.hint}"
    assert caught.value.position == position, shown
    assert all(word in shown for word in words), shown


def test_another_stores_customers_never_match(store, people, other_store):
    customer(other_store, "obca", spent="999", tags=["vip"])

    assert names(store, "amount_spent > 100") == ["ania"]
    assert names(other_store, "customer_tags CONTAINS 'vip'") == ["obca"]
