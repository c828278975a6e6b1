import hashlib
import re
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Sum

from cxloop.analytics.reports import build_dashboard
from cxloop.commerce.models import (
    Checkout,
    ConsentRecord,
    Customer,
    CustomerSearchTerm,
    Event,
    LineItem,
    Order,
    Refund,
)
from cxloop.commerce.search_terms import build_terms
from cxloop.commerce.services.customers import casefold_name, refresh_customer_facts
from cxloop.core.models import Membership, Store, WebhookSecret
from cxloop.core.services import create_store
from cxloop.demo import generator
from cxloop.demo.generator import StoreNotEmpty, generate_store
from cxloop.demo.journeys import ANONYMOUS_DAYS
from cxloop.demo.services import DEMO_SEGMENTS
from cxloop.helpdesk.models import Conversation, Team
from cxloop.segments.models import CustomerPrediction, PredictionRun, Segment
from cxloop.surveys.models import Response, Survey

TODAY = date(2025, 6, 1)
WINDOW_START = datetime(2025, 6, 1, tzinfo=UTC) - timedelta(days=ANONYMOUS_DAYS)
ARABIC_SCRIPT = re.compile("[\u0600-\u06ff]")
CJK = re.compile("[\u4e00-\u9fff]")
FACTS = ["orders_count", "amount_spent", "first_order_at", "last_order_at", "facts_from_platform"]


def _generate(store, customers=300, seed=7):
    return generate_store(store=store, customers=customers, seed=seed, today=TODAY)


def _digest(store) -> str:
    customers = Customer.objects.filter(store=store).order_by("email_key").values_list(
        "email", "first_name", "last_name", "phone", "language", "country", "tags",
        "email_consent", "created_at", *FACTS,
    )  # fmt: skip
    orders = Order.objects.filter(store=store).order_by("external_id").values_list(
        "external_id", "number", "email", "subtotal", "total_discounts", "shipping", "tax", "total",
        "refunded_amount", "financial_status", "fulfillment_status", "created_at", "cancelled_at",
    )  # fmt: skip
    lines = (
        LineItem.objects.filter(store=store)
        .order_by("external_id")
        .values_list("external_id", "title", "quantity", "price")
    )
    return hashlib.sha256(repr((list(customers), list(orders), list(lines))).encode()).hexdigest()


def _twin(store):
    twin, _ = create_store(name="Twin", currency=store.currency, slug="twin")
    return twin


def test_same_seed_generates_identical_stores(store):
    # given
    twin = _twin(store)
    # when
    _generate(store, customers=200, seed=7)
    _generate(twin, customers=200, seed=7)
    # then
    assert _digest(store) == _digest(twin)
    assert Event.objects.filter(store=store).count() == Event.objects.filter(store=twin).count()


def test_different_seeds_generate_different_stores(store):
    twin = _twin(store)
    _generate(store, customers=200, seed=7)
    _generate(twin, customers=200, seed=8)
    assert _digest(store) != _digest(twin)


def test_customers_have_names_in_six_languages_and_their_own_scripts(store):
    # when
    _generate(store)
    # then
    customers = list(Customer.objects.filter(store=store))
    assert {c.language for c in customers} == {"en", "pl", "lv", "fa", "zh-hans", "zh-hant"}
    persian = [c for c in customers if c.language == "fa"]
    chinese = [c for c in customers if c.language in ("zh-hans", "zh-hant")]
    assert all(ARABIC_SCRIPT.search(c.first_name + c.last_name) for c in persian)
    assert all(CJK.search(c.first_name + c.last_name) for c in chinese)
    countries = {"en": {"US", "GB"}, "pl": {"PL"}, "lv": {"LV"}, "fa": {"IR"}, "zh-hans": {"CN"},
                 "zh-hant": {"TW", "HK"}}  # fmt: skip
    assert all(c.country in countries[c.language] for c in customers)
    # Taiwanese names as written there: 陳 and 劉, not 陈 and 刘
    traditional_names = "".join(c.last_name + c.first_name for c in customers if c.language == "zh-hant")
    assert not set(traditional_names) & set("陈刘张黄吴郑杨赵")


def test_name_keys_are_the_case_folded_names(store):
    _generate(store)
    for first, last, name_key, surname_key in Customer.objects.filter(store=store).values_list(
        "first_name", "last_name", "name_key", "surname_key"
    ):
        assert (name_key, surname_key) == (casefold_name(first, last), casefold_name("", last))


def test_search_terms_are_those_the_services_write(store):
    _generate(store, customers=120)
    stored = {}
    terms = CustomerSearchTerm.objects.filter(store=store).values_list("customer_id", "term")
    for customer_id, term in terms:
        stored.setdefault(customer_id, set()).add(term)
    for customer in Customer.objects.filter(store=store):
        assert stored[customer.pk] == build_terms(customer.first_name, customer.last_name, customer.email)


def test_emails_are_ascii_unique_and_some_in_mixed_case(store):
    _generate(store)
    emails = list(Customer.objects.filter(store=store).values_list("email", "email_key"))
    assert all(email.isascii() and key == email.lower() for email, key in emails)
    assert len({key for _, key in emails}) == 300
    assert any(email != key for email, key in emails)


def test_customer_facts_match_refresh_customer_facts_for_every_customer(store):
    # given
    _generate(store)
    generated = {c.pk: [getattr(c, f) for f in FACTS] for c in Customer.objects.filter(store=store)}
    # when
    refresh_customer_facts(store, generated.keys())
    # then
    refreshed = {c.pk: [getattr(c, f) for f in FACTS] for c in Customer.objects.filter(store=store)}
    assert refreshed == generated
    assert sum(1 for facts in generated.values() if facts[0] > 0) > 150


def test_every_order_total_is_subtotal_plus_shipping_and_any_added_tax(store):
    _generate(store)
    orders = Order.objects.filter(store=store).annotate(line_discounts=Sum("line_items__total_discount"))
    assert orders.count() > 200
    assert {order.taxes_included for order in orders} == {True, False}
    for order in orders:
        added_tax = 0 if order.taxes_included else order.tax
        assert order.total == order.subtotal + order.shipping + added_tax
        assert order.line_discounts == order.total_discounts
        assert order.currency == "PLN"


def test_order_subtotal_is_the_sum_of_its_lines(store):
    _generate(store)
    for order in Order.objects.filter(store=store).prefetch_related("line_items"):
        lines = list(order.line_items.all())
        assert 1 <= len(lines) <= 4
        # The subtotal is after discounts, as platforms send it.
        assert order.subtotal == sum(line.price * line.quantity - line.total_discount for line in lines)


def test_refunds_never_exceed_the_order_total(store):
    _generate(store, customers=1000)
    refunded = Order.objects.filter(store=store, refunds__isnull=False).annotate(
        refunds_sum=Sum("refunds__amount")
    )
    assert refunded.count() > 10
    for order in refunded:
        assert Decimal(0) < order.refunds_sum <= order.total
        assert order.refunded_amount == order.refunds_sum
        assert order.financial_status in {"refunded", "partially_refunded"}
        assert order.cancelled_at is None


def test_some_orders_are_cancelled_and_recent_ones_are_unfulfilled(store):
    _generate(store, customers=1000)
    orders = Order.objects.filter(store=store)
    assert orders.filter(cancelled_at__isnull=False).exists()
    assert not orders.filter(cancelled_at__isnull=False, fulfillment_status="fulfilled").exists()
    assert not orders.filter(fulfillment_status="fulfilled", fulfilled_at__isnull=True).exists()
    newest = orders.exclude(source_channel="pos").order_by("-created_at")[0]
    assert newest.fulfillment_status == "unfulfilled"


def test_every_order_has_its_last_change_for_the_warehouse_to_copy_it_by(store):
    # The warehouse copies orders changed since its last sync by updated_at (analytics.sync), which
    # the generator writes itself (no auto_now): the platform's own last change, never empty.
    _generate(store)
    orders = Order.objects.filter(store=store)
    assert orders.exists() and not orders.filter(updated_at__isnull=True).exists()
    assert not orders.filter(updated_at__lt=F("created_at")).exists()
    assert not orders.exclude(updated_at=F("source_updated_at")).exists()


def test_order_placed_events_match_the_orders(store):
    _generate(store)
    events = Event.objects.filter(store=store)
    assert events.filter(type="order_placed").count() == Order.objects.filter(store=store).count()
    assert events.values("event_id").distinct().count() == events.count()


def test_each_session_has_one_device_in_a_plausible_mix_and_crawlers_never_order(store):
    _generate(store)
    events = Event.objects.filter(store=store)
    per_session = events.values("session_id").annotate(devices=Count("device", distinct=True))
    assert {row["devices"] for row in per_session} == {1}
    sessions = dict(
        events.values_list("device").annotate(n=Count("session_id", distinct=True)).values_list("device", "n")
    )
    total = sum(sessions.values())
    assert set(sessions) == {"mobile", "tablet", "desktop", "bot"}
    assert sessions["mobile"] > sessions["desktop"] > sessions["tablet"] > sessions["bot"] > 0
    assert sessions["bot"] / total < 0.05
    assert not events.filter(device="bot", type="order_placed").exists()


def test_conversion_rate_is_a_few_percent_of_online_sessions_in_the_anonymous_window(store):
    # given
    summary = _generate(store, customers=1000)
    since = WINDOW_START
    # when
    orders = Order.objects.filter(store=store, created_at__gte=since)
    online_orders = orders.exclude(source_channel="pos").count()
    sessions = (
        Event.objects.filter(store=store, type="page_view", occurred_at__gte=since)
        .values("session_id").distinct().count()
    )  # fmt: skip
    # then
    assert 0.02 <= online_orders / sessions <= 0.04
    assert summary.conversion_rate == pytest.approx(online_orders / sessions, rel=0.02)


def test_anonymous_visitors_are_kept_for_the_window_and_customers_events_for_the_whole_history(store):
    _generate(store)
    anonymous = Event.objects.filter(store=store, customer__isnull=True)
    assert anonymous.filter(occurred_at__gte=WINDOW_START).count() > 1000
    assert not anonymous.filter(occurred_at__lt=WINDOW_START).exists()
    a_year_earlier = WINDOW_START - timedelta(days=300)
    assert Event.objects.filter(store=store, type="page_view", customer__isnull=False,
                                occurred_at__lt=a_year_earlier).exists()  # fmt: skip
    assert Event.objects.filter(store=store, type="order_placed", occurred_at__lt=a_year_earlier).exists()


def test_every_order_ends_its_own_session_with_one_view_and_cart_add_per_line(store):
    # given
    _generate(store)
    orders = {o.external_id: o for o in Order.objects.filter(store=store).annotate(lines=Count("line_items"))}
    sessions = defaultdict(list)
    for event in Event.objects.filter(store=store).order_by("occurred_at", "id"):
        sessions[event.session_id].append(event)
    # when
    journeys = {s[-1].properties["order_id"]: s for s in sessions.values() if s[-1].type == "order_placed"}
    # then
    assert journeys.keys() == orders.keys()
    for external_id, events in journeys.items():
        order = orders[external_id]
        assert events[-1].occurred_at == order.created_at
        assert events[-1].properties["order_number"] == order.number
        assert {e.customer_id for e in events} == {order.customer_id}
        if order.source_channel == "pos":
            assert [e.type for e in events] == ["order_placed"]
            continue
        lines = ["product_view", "add_to_cart"] * order.lines
        assert [e.type for e in events] == ["page_view", *lines, "checkout_started", "order_placed"]
        assert events[-2].properties["checkout_token"] == order.checkout_token


def test_completed_checkouts_link_to_orders_and_abandoned_ones_can_be_recovered(store):
    _generate(store)
    online = Order.objects.filter(store=store).exclude(source_channel="pos")
    completed = Checkout.objects.filter(store=store, state="completed")
    assert set(completed.values_list("token", flat=True)) == set(
        online.values_list("checkout_token", flat=True)
    )
    abandoned = Checkout.objects.filter(store=store, state="abandoned")
    assert abandoned.exists()
    assert all(url.startswith("https://") for url in abandoned.values_list("recovery_url", flat=True))


def test_every_subscribed_customer_has_a_demo_consent_record(store):
    _generate(store)
    subscribed = Customer.objects.filter(store=store, email_consent="subscribed")
    assert subscribed.exists()
    recorded = subscribed.filter(consents__state="subscribed", consents__source="demo").distinct()
    assert recorded.count() == subscribed.count()
    assert not ConsentRecord.objects.filter(store=store, customer__email_consent="not_subscribed").exists()


def test_a_realistic_share_of_buyers_buy_again(store):
    summary = _generate(store)
    counts = Customer.objects.filter(store=store, orders_count__gte=1).values_list("orders_count", flat=True)
    buyers = list(counts)
    assert 0.55 <= len(buyers) / 300 <= 0.75
    assert 0.15 <= sum(1 for n in buyers if n >= 2) / len(buyers) <= 0.5
    assert summary.parameters["r"] == 0.3 and summary.parameters["time_unit"] == "week"


def test_generating_into_a_store_with_customers_is_refused(store):
    _generate(store, customers=10)
    with pytest.raises(StoreNotEmpty):
        _generate(store, customers=10)


def test_seed_command_refuses_a_store_that_has_customers(store):
    _generate(store, customers=10)
    with pytest.raises(CommandError, match="already has customers"):
        call_command("seed", "--store", store.slug, "--customers", "10", verbosity=0)


def test_seed_command_creates_a_missing_store_and_fills_it(db, capsys):
    call_command("seed", "--store", "seed-test", "--customers", "50", "--seed", "3", verbosity=0)
    store = Store.objects.get(slug="seed-test")
    assert Customer.objects.filter(store=store).count() == 50
    assert "50 customers" in capsys.readouterr().out


def test_demo_setup_creates_the_demo_store_once(db, capsys):
    # when
    call_command("demo", "setup", verbosity=0)
    call_command("demo", "setup", verbosity=0)
    # then
    store = Store.objects.get(slug="demo")
    assert (store.currency, store.timezone) == ("EUR", "Europe/Warsaw")
    assert Customer.objects.filter(store=store).count() == 2000
    roles = dict(Membership.objects.filter(store=store).values_list("user__username", "role"))
    assert roles == {
        "demo@cxloop.test": "owner", "agent@cxloop.test": "agent", "parisa@demo.cxloop.test": "agent",
        "wei@demo.cxloop.test": "agent", "janis@demo.cxloop.test": "agent",
    }  # fmt: skip
    assert WebhookSecret.objects.filter(store=store).count() == 3
    kinds = dict(Survey.objects.filter(store=store).values_list("kind", "status"))
    assert kinds == {"nps": "active", "csat": "active", "custom": "active"}
    custom = Survey.objects.get(store=store, kind="custom")
    assert (custom.name, custom.questions.count()) == ("After delivery", 4)
    assert Response.objects.filter(survey=custom, channel="web").count() >= 100
    conversations = Conversation.objects.filter(store=store)
    assert conversations.count() == 1500 and conversations.filter(assignee__isnull=False).exists()
    assert sorted(Team.objects.filter(store=store).values_list("name", flat=True)) == [
        "Persian-speaking", "Returns", "Wholesale",
    ]  # fmt: skip
    # The understanding half is ready at once: predictions fitted, the segments filled, the reports'
    # warehouse synced with the last 30 days' orders.
    run = PredictionRun.objects.filter(store=store).latest("pk")
    assert run.status == PredictionRun.Status.FITTED and run.repeat_buyers >= 20
    assert CustomerPrediction.objects.filter(store=store).count() == run.customers
    members = dict(
        Segment.objects.filter(store=store).annotate(n=Count("memberships")).values_list("name", "n")
    )
    assert set(members) == {name for name, _query in DEMO_SEGMENTS}
    assert members["Repeat buyers"] == Customer.objects.filter(store=store, orders_count__gte=2).count() > 0
    assert members["Predicted high spenders"] > 0
    report = build_dashboard(store, days=30)
    assert report.orders.current > 0 and report.net.current > 0
    assert any(day.orders for day in report.days)
    out = capsys.readouterr().out
    assert "1500 help-desk conversations" in out
    assert out.count("API key") == 1
    assert out.count("http://127.0.0.1:8000") == 2
    assert "demo@cxloop.test  password: demo-password" in out


def test_line_item_counts_per_order_stay_between_one_and_four(store):
    _generate(store)
    sizes = Order.objects.filter(store=store).annotate(n=Count("line_items")).values_list("n", flat=True)
    assert set(sizes) <= {1, 2, 3, 4}


def test_create_store_in_other_currency_prices_in_that_currency(db):
    store, _ = create_store(name="Dollar Shop", currency="USD", slug="dollar-shop")
    _generate(store, customers=50)
    assert set(Refund.objects.filter(store=store).values_list("currency", flat=True)) <= {"USD"}
    assert set(Order.objects.filter(store=store).values_list("currency", flat=True)) == {"USD"}


@pytest.mark.django_db(transaction=True)
def test_chunks_planned_in_a_worker_process_give_the_same_store(store, monkeypatch):
    # given: outside a transaction, so that on SQLite the worker hands chunks over in files
    twin = _twin(store)
    monkeypatch.setattr(generator, "CHUNK", 120)
    # when
    _generate(store, customers=300)
    monkeypatch.setattr(generator, "PLAN_AHEAD", False)
    _generate(twin, customers=300)
    # then
    assert _digest(store) == _digest(twin)
    assert Customer.objects.filter(store=store).count() == 300
    events = [Event.objects.filter(store=s).values_list("event_id", "type", "properties", "occurred_at")
              for s in (store, twin)]  # fmt: skip
    assert sorted(events[0]) == sorted(events[1])
    assert Customer.objects.filter(store=store).aggregate(n=Count("id", distinct=True))["n"] == 300
