"""Where is my order: a shopper's number and email find their order, and nothing else.

Rate-limit windows are epoch-aligned, so the tests that count stand still at
12:03:00 UTC: 7 minutes (420 s) remain of the 10-minute client window, 57 minutes
(3420 s) of the hour-long number window.
"""

from datetime import UTC, datetime

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxloop.chat import order_status
from cxloop.chat.order_status import look_up
from cxloop.commerce.models import Customer, Fulfilment, LineItem, Order, Product, Variant
from cxloop.core.errors import RateLimited

pytestmark = pytest.mark.django_db

CLIENT = "203.0.113.5"
EMAIL = "ania@example.pl"
INPOST_URL = "https://inpost.pl/sledzenie-przesylek?number=520000012345678901234567"
STANDING_STILL = datetime(2026, 10, 5, 12, 3, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    # Rate-limit counters live in the cache table, which transactional tests do not empty.
    cache.clear()
    yield
    cache.clear()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def make_order(store, number="#1001", email=EMAIL, **fields) -> Order:
    values = {
        "platform": "shopify", "external_id": f"{store.slug}-{number}-{email}", "currency": "PLN",
        "total": "249.00", "created_at": at("2026-10-01T10:00:00+00:00"),
        "financial_status": Order.Financial.PAID, **fields,
    }  # fmt: skip
    return Order.objects.create(store=store, number=number, email=email, **values)


def add_line(order, title, *, variant_title=None, quantity=1) -> LineItem:
    variant = None
    if variant_title is not None:
        product = Product.objects.create(
            store=order.store, platform="shopify", external_id=f"p-{title}", title=title
        )
        variant = Variant.objects.create(
            store=order.store, product=product, external_id=f"v-{title}", title=variant_title
        )
    return LineItem.objects.create(
        store=order.store, order=order, variant=variant, title=title, quantity=quantity, price="10"
    )


def add_shipment(order, external_id="1", **fields) -> Fulfilment:
    return Fulfilment.objects.create(store=order.store, order=order, external_id=external_id, **fields)


@pytest.fixture
def shipped_order(store):
    order = make_order(store, fulfillment_status=Order.Fulfillment.FULFILLED)
    add_line(order, "Kubek <b>ceramiczny</b>", variant_title="Niebieski", quantity=2)
    add_line(order, "Podstawka", variant_title="Default Title")
    add_line(order, "Karta podarunkowa")
    add_shipment(
        order, status=Fulfilment.Status.IN_TRANSIT, carrier="InPost",
        tracking_number="520000012345678901234567", tracking_url=INPOST_URL,
        shipped_at=at("2026-10-02T08:00:00+00:00"),
    )  # fmt: skip
    return order


def test_the_right_number_and_email_show_the_order_with_its_items_and_tracking(store, shipped_order):
    answer = look_up(store=store, number="#1001", email=EMAIL, client=CLIENT)

    assert answer == {
        "number": "#1001",
        "placed": "2026-10-01",
        "status": "shipped",
        "status_label": "Shipped",
        "total": "249.00",
        "currency": "PLN",
        "items": [
            {"title": "Kubek <b>ceramiczny</b>", "variant_title": "Niebieski", "quantity": 2},
            {"title": "Podstawka", "variant_title": "", "quantity": 1},
            {"title": "Karta podarunkowa", "variant_title": "", "quantity": 1},
        ],
        "fulfilments": [
            {
                "status": "in_transit",
                "status_label": "In transit",
                "carrier": "InPost",
                "tracking_number": "520000012345678901234567",
                "tracking_url": INPOST_URL,
                "shipped": "2026-10-02",
            }
        ],
    }


def test_the_answer_holds_no_address_phone_payment_or_other_orders(store, shipped_order):
    # given the order has a shipping address, a note and the customer another order
    Order.objects.filter(pk=shipped_order.pk).update(
        shipping_address={"address1": "ul. Długa 5", "phone": "+48 600 100 200"}, note="Brama 2",
        shipping_method="InPost Paczkomat WAW01",
    )  # fmt: skip
    make_order(store, number="#1002")

    # when the shopper looks the order up
    answer = look_up(store=store, number="#1001", email=EMAIL, client=CLIENT)

    # then none of it is in the answer
    text = repr(answer)
    assert "Długa" not in text and "600 100 200" not in text and "Brama" not in text
    assert "WAW01" not in text and "#1002" not in text
    assert set(answer) == {"number", "placed", "status", "status_label", "total", "currency", "items",
                           "fulfilments"}  # fmt: skip


def test_a_wrong_email_and_an_unknown_number_get_the_same_none_for_the_same_work(store, shipped_order):
    with CaptureQueriesContext(connection) as wrong_email:
        wrong = look_up(store=store, number="#1001", email="ewa@example.pl", client=CLIENT)
    with CaptureQueriesContext(connection) as unknown_number:
        unknown = look_up(store=store, number="#1009", email=EMAIL, client="203.0.113.6")

    assert wrong is None and unknown is None
    assert len(wrong_email.captured_queries) == len(unknown_number.captured_queries)


def test_another_stores_order_is_never_found(store, other_store):
    make_order(other_store, number="#1001")

    assert look_up(store=store, number="#1001", email=EMAIL, client=CLIENT) is None
    assert look_up(store=other_store, number="#1001", email=EMAIL, client=CLIENT)["number"] == "#1001"


def test_each_store_finds_its_own_order_of_a_shared_number(store, other_store):
    make_order(store, number="#1001", total="10.00")
    make_order(other_store, number="#1001", total="99.00", currency="EUR")

    mine = look_up(store=store, number="1001", email=EMAIL, client=CLIENT)

    assert (mine["total"], mine["currency"]) == ("10.00", "PLN")


@pytest.mark.parametrize(
    "typed",
    [
        "#1001", "1001", " 1001 ", "\t#1001\n", "# 1001", "１００１", "＃１００１", "۱۰۰۱", "#۱۰۰۱", "١٠٠١",
        "\u200f۱۰۰۱\u200f",
    ],
)  # fmt: skip
def test_the_number_is_found_however_it_is_typed(store, typed):
    make_order(store, number="#1001")

    answer = look_up(store=store, number=typed, email=EMAIL, client=CLIENT)

    assert answer["number"] == "#1001"


def test_a_number_stored_without_hash_is_found_with_one(store):
    make_order(store, number="1001", platform="woocommerce")

    assert look_up(store=store, number="#1001", email=EMAIL, client=CLIENT)["number"] == "1001"


def test_a_lower_case_ecwid_number_is_found(store):
    make_order(store, number="#XJ12H", platform="ecwid")

    assert look_up(store=store, number="xj12h", email=EMAIL, client=CLIENT)["number"] == "#XJ12H"


@pytest.mark.parametrize("typed", ["ANIA@EXAMPLE.PL", "  Ania@Example.pl ", "ania＠example.pl"])
def test_the_email_is_matched_without_case_or_surrounding_space(store, typed):
    make_order(store, email="Ania@Example.PL")

    assert look_up(store=store, number="#1001", email=typed, client=CLIENT)["number"] == "#1001"


def test_an_order_without_email_is_matched_by_its_customers_email(store):
    customer = Customer.objects.create(
        store=store, email="Ania@Example.pl", email_key="ania@example.pl",
        created_at=at("2026-09-01T10:00:00+00:00"), updated_at=at("2026-09-01T10:00:00+00:00"),
    )  # fmt: skip
    make_order(store, email="", customer=customer)

    assert look_up(store=store, number="#1001", email=EMAIL, client=CLIENT)["number"] == "#1001"


@pytest.mark.parametrize("typed", ["", " ", "@"])
def test_an_order_with_no_email_anywhere_is_never_found(store, typed):
    # given an erased customer's order: no email, no customer
    make_order(store, email="")

    assert look_up(store=store, number="#1001", email=typed, client=CLIENT) is None


def test_the_order_of_the_email_is_found_among_orders_sharing_a_number(store):
    make_order(store, number="#1001", email="ewa@example.pl", platform="woocommerce", total="1.00")
    make_order(store, number="#1001", email=EMAIL, platform="shopify", total="249.00")

    assert look_up(store=store, number="#1001", email=EMAIL, client=CLIENT)["total"] == "249.00"
    assert look_up(store=store, number="#1001", email="ewa@example.pl", client=CLIENT)["total"] == "1.00"


@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", " JavaScript:alert(document.cookie)", "data:text/html,<b>x</b>"]
)
def test_a_tracking_link_that_is_not_http_is_never_returned(store, link):
    # given a row written around the import's check (the admin, a script)
    order = make_order(store, fulfillment_status=Order.Fulfillment.FULFILLED)
    add_shipment(order, status=Fulfilment.Status.SHIPPED, tracking_number="JD1", tracking_url=link)

    answer = look_up(store=store, number="#1001", email=EMAIL, client=CLIENT)

    assert [(f["tracking_number"], f["tracking_url"]) for f in answer["fulfilments"]] == [("JD1", "")]


def test_a_cancelled_shipment_is_left_out(store):
    order = make_order(store, fulfillment_status=Order.Fulfillment.FULFILLED)
    add_shipment(order, "1", status=Fulfilment.Status.CANCELLED, tracking_number="OLD")
    add_shipment(order, "2", status=Fulfilment.Status.DELIVERED, tracking_number="NEW")

    answer = look_up(store=store, number="#1001", email=EMAIL, client=CLIENT)

    assert [f["tracking_number"] for f in answer["fulfilments"]] == ["NEW"]
    assert answer["status"] == "delivered"


def test_the_placing_date_is_the_stores_day(store):
    store.timezone = "Europe/Warsaw"
    store.save(update_fields=["timezone"])
    make_order(store, created_at=at("2026-10-01T22:30:00+00:00"))  # 00:30 on 2 October in Warsaw

    assert look_up(store=store, number="#1001", email=EMAIL, client=CLIENT)["placed"] == "2026-10-02"


@pytest.mark.parametrize(
    ("order_fields", "shipments", "status"),
    [
        ({"cancelled_at": at("2026-10-02T10:00:00+00:00")}, [], "cancelled"),
        ({"financial_status": Order.Financial.VOIDED}, [], "cancelled"),
        ({"financial_status": Order.Financial.REFUNDED, "fulfillment_status": "fulfilled"}, ["delivered"],
         "refunded"),
        ({"fulfillment_status": Order.Fulfillment.RESTOCKED}, [], "returned"),
        ({"fulfillment_status": Order.Fulfillment.FULFILLED}, ["delivered", "delivered"], "delivered"),
        ({"fulfillment_status": Order.Fulfillment.FULFILLED}, ["delivered", "in_transit"], "shipped"),
        ({"fulfillment_status": Order.Fulfillment.FULFILLED}, [], "shipped"),
        ({"fulfillment_status": Order.Fulfillment.FULFILLED, "financial_status": "pending"}, [], "shipped"),
        ({"fulfillment_status": Order.Fulfillment.PARTIAL}, ["shipped"], "partially_shipped"),
        ({"financial_status": Order.Financial.PENDING}, [], "awaiting_payment"),
        ({"financial_status": Order.Financial.PARTIALLY_PAID}, [], "awaiting_payment"),
        ({"financial_status": Order.Financial.PAID}, [], "processing"),
        ({"financial_status": Order.Financial.AUTHORIZED}, [], "processing"),
        ({"financial_status": Order.Financial.PARTIALLY_REFUNDED}, [], "processing"),
        ({"financial_status": ""}, [], "processing"),
    ],
)  # fmt: skip
def test_the_status_says_where_the_order_is(store, order_fields, shipments, status):
    order = make_order(store, **order_fields)
    for index, shipment_status in enumerate(shipments):
        add_shipment(order, str(index), status=shipment_status)

    answer = look_up(store=store, number="#1001", email=EMAIL, client=CLIENT)

    assert answer["status"] == status
    assert answer["status_label"] == str(order_status.STATUS_LABELS[status])


def test_the_labels_are_in_the_shoppers_language(store, shipped_order):
    with translation.override("pl"):
        answer = look_up(store=store, number="#1001", email=EMAIL, client=CLIENT)

    assert answer["status_label"] == "Wysłano"
    assert answer["fulfilments"][0]["status_label"] == "W drodze"


def test_the_new_labels_read_in_english(store):
    labels = {key: str(label) for key, label in order_status.STATUS_LABELS.items()}

    with translation.override("en"):
        assert labels == {
            "cancelled": "Cancelled", "refunded": "Refunded", "returned": "Returned",
            "delivered": "Delivered", "shipped": "Shipped", "partially_shipped": "Partially shipped",
            "awaiting_payment": "Awaiting payment", "processing": "Processing",
        }  # fmt: skip


@time_machine.travel(STANDING_STILL, tick=False)
def test_the_eleventh_lookup_from_one_address_is_refused_until_the_window_ends(store, shipped_order):
    # given ten lookups from one address, found or not
    for index in range(10):
        look_up(store=store, number=f"#{2000 + index}", email=EMAIL, client=CLIENT)

    # when it asks an eleventh time, even with the right pair
    with pytest.raises(RateLimited) as refused:
        look_up(store=store, number="#1001", email=EMAIL, client=CLIENT)

    # then it is told to wait for the rest of the 10-minute window
    assert refused.value.status == 429
    assert refused.value.retry_after == 420
    assert refused.value.as_dict() == {
        "error": "rate_limited",
        "detail": "Too many order lookups. Please try again later.",
        "field": None,
        "retry_after": 420,
    }
    # and another address is still answered
    assert look_up(store=store, number="#1001", email=EMAIL, client="198.51.100.7")["number"] == "#1001"


@time_machine.travel(STANDING_STILL, tick=False)
def test_guessing_emails_for_one_number_from_many_addresses_locks_it(store, other_store, shipped_order):
    make_order(store, number="#1002")
    make_order(other_store, number="#1001")
    # given five wrong emails for #1001, typed in its different forms, each from another address
    for index, typed in enumerate(["#1001", "1001", "１００１", "۱۰۰۱", " #1001 "]):
        guess = f"guess{index}@example.pl"
        assert look_up(store=store, number=typed, email=guess, client=f"192.0.2.{index}") is None

    # when the right email is tried from yet another address
    with pytest.raises(RateLimited) as refused:
        look_up(store=store, number="#1001", email=EMAIL, client="192.0.2.99")

    # then the number stays locked for the rest of the hour, whatever the email
    assert refused.value.retry_after == 3420
    # while the store's other numbers, and the other store's #1001, are still answered
    assert look_up(store=store, number="#1002", email=EMAIL, client="192.0.2.98")["number"] == "#1002"
    assert look_up(store=other_store, number="#1001", email=EMAIL, client="192.0.2.97")["number"] == "#1001"


def test_the_limits_open_again_in_the_next_window(store, shipped_order):
    with time_machine.travel(STANDING_STILL, tick=False):
        for index in range(5):
            look_up(store=store, number="#1001", email=f"guess{index}@example.pl", client=f"192.0.2.{index}")
        with pytest.raises(RateLimited):
            look_up(store=store, number="#1001", email=EMAIL, client=CLIENT)

    with time_machine.travel(datetime(2026, 10, 5, 13, 0, 1, tzinfo=UTC), tick=False):
        assert look_up(store=store, number="#1001", email=EMAIL, client=CLIENT)["number"] == "#1001"


# -- whatever is typed -------------------------------------------------------------------------------

PIECES = st.sampled_from([
    "#1001", "1001", "#2001", "2001", "１００１", "۱۰۰۱", "#", " ", "\u200f", "\x00", "\ud800", "%", "_",
    "' OR 1=1 --", EMAIL, "EWA@example.pl", "@", "\n", "x" * 80,
])  # fmt: skip
TYPED = st.lists(st.one_of(PIECES, st.text(max_size=12)), max_size=4).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(number=TYPED, email=TYPED, client=st.one_of(st.sampled_from([CLIENT, "\ud800"]), st.text(max_size=20)))
def test_whatever_is_typed_answers_the_stores_own_order_none_or_rate_limited(
    store, other_store, number, email, client
):
    # given the other store's #2001 of ewa@example.pl (the store's own #1001 of ania@example.pl, once)
    if not Order.objects.exists():
        make_order(store, number="#1001")
        make_order(other_store, number="#2001", email="ewa@example.pl")
    cache.clear()  # so most examples get past the limits and read orders

    try:
        answer = look_up(store=store, number=number, email=email, client=client)
    except RateLimited as refused:
        assert refused.retry_after > 0
        return

    assert answer is None or answer["number"] == "#1001"
