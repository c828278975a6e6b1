"""The reports page: the numbers from the warehouse, its age, the empty state, the CSV, every member."""

from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from cxloop.analytics.sync import sync_warehouse
from cxloop.commerce.models import Order

pytestmark = pytest.mark.django_db


def order(store, n, total):
    now = timezone.now()
    return Order.objects.create(
        store=store, platform="shopify", external_id=str(n), number=f"#{n}", currency=store.currency,
        total=Decimal(total), created_at=now - timedelta(hours=1),
    )  # fmt: skip


def test_before_the_first_sync_the_page_says_the_data_is_being_prepared(staff_client):
    response = staff_client.get(reverse("analytics:dashboard"))

    assert response.status_code == 200
    assert "being prepared" in response.content.decode()


def test_the_page_shows_this_stores_numbers_only_and_the_age_of_the_copy(agent_client, store, other_store):
    order(store, 1, "120.00")
    order(store, 2, "30.00")
    order(other_store, 3, "9999.00")
    sync_warehouse()

    html = agent_client.get(reverse("analytics:dashboard"), {"days": "7"}).content.decode()

    assert "150.00" in html.replace("\u00a0", " ") and "9,999" not in html and "9999" not in html
    assert "Data as of" in html


def test_the_csv_holds_a_row_per_day_and_a_wrong_period_is_400(staff_client, store):
    placed = order(store, 1, "120.00").created_at
    sync_warehouse()

    response = staff_client.get(reverse("analytics:dashboard-csv"), {"days": "7"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")

    lines = text.strip().splitlines()
    assert lines[0].startswith("Day,Orders,Net revenue (PLN)")
    # The order's row is its day in the store's time zone: an hour ago may be yesterday there.
    local_day = placed.astimezone(ZoneInfo(store.timezone)).date().isoformat()
    assert len(lines) == 8 and f"{local_day},1,120.00" in lines[1:]
    assert sum(int(line.split(",")[1]) for line in lines[1:]) == 1
    assert staff_client.get(reverse("analytics:dashboard"), {"days": "5"}).status_code == 400
    assert staff_client.get(reverse("analytics:dashboard-csv"), {"days": "x"}).status_code == 400


def test_update_now_queues_a_sync_and_wants_a_post(staff_client):
    assert staff_client.get(reverse("analytics:sync-now")).status_code == 405
    response = staff_client.post(reverse("analytics:sync-now"))

    assert response.status_code == 302


def test_the_csv_before_the_first_sync_sends_back_to_the_page_instead_of_failing(staff_client):
    response = staff_client.get(reverse("analytics:dashboard-csv"), {"days": "30"})

    assert response.status_code == 302 and response["Location"] == reverse("analytics:dashboard") + "?days=30"


def test_the_page_shows_satisfaction_by_group_with_customer_text_inert(agent_client, store):
    from cxloop.commerce.models import Customer
    from cxloop.surveys.models import Response
    from cxloop.surveys.tests.factories import make_survey

    now = timezone.now()
    who = Customer.objects.create(
        store=store, email="a@example.com", email_key="a@example.com", created_at=now, updated_at=now
    )
    Order.objects.create(
        store=store, customer=who, platform="shopify", external_id="1", number="#1", currency=store.currency,
        total=Decimal("10.00"), created_at=now - timedelta(hours=2), utm_source="<script>alert(1)</script>",
    )  # fmt: skip
    Response.objects.create(
        store=store, survey=make_survey(store), customer=who, channel="email", language="pl", score=10,
        band="high", created_at=now - timedelta(hours=1), updated_at=now,
    )  # fmt: skip
    sync_warehouse()

    html = agent_client.get(reverse("analytics:dashboard"), {"days": "7"}).content.decode()

    assert "Satisfaction by customer group" in html and "By the channel of their first order" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    assert '100 <span class="muted">± 73.5</span>' in html  # one promoter: NPS 100, range ± 73.5


def test_without_answers_the_satisfaction_card_says_so(agent_client, store):
    order(store, 1, "10.00")
    sync_warehouse()

    html = agent_client.get(reverse("analytics:dashboard"), {"days": "7"}).content.decode()

    assert "No NPS or CSAT answers from customers with an order in this period." in html


def test_the_journey_card_shows_entry_pages_inert_and_abandoned_checkouts(agent_client, store):
    from cxloop.commerce.models import Event

    now = timezone.now() - timedelta(hours=1)
    for n, (kind, properties) in enumerate([
        ("page_view", {"path": "/<img src=x onerror=alert(1)>"}),
        ("checkout_started", {"total": "42.50"}),
    ]):  # fmt: skip
        Event.objects.create(
            store=store, event_id=f"e{n}", type=kind, session_id="s1", anonymous_id="a1",
            occurred_at=now, received_at=now, properties=properties,
        )  # fmt: skip
    sync_warehouse()

    html = agent_client.get(reverse("analytics:dashboard"), {"days": "7"}).content.decode()

    assert "Customer journey" in html and "/&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<img src=x" not in html
    assert "1 of 1 checkouts started were left without an order" in html and "42.50" in html.replace(
        "\u00a0", " "
    )


def test_the_page_and_its_csv_show_the_paths_to_a_first_order(staff_client, store):
    from cxloop.commerce.models import Customer, Event

    # given a new customer who viewed a product's page, added it to the cart and ordered
    now = timezone.now()
    who = Customer.objects.create(store=store, email="p@example.com", created_at=now, updated_at=now)
    for n, (kind, props) in enumerate(
        [("page_view", {"path": "/products/<b>boots</b>"}), ("add_to_cart", {})]
    ):
        Event.objects.create(
            store=store, event_id=f"p{n}", type=kind, session_id="s1", customer=who, properties=props,
            occurred_at=now - timedelta(hours=2, minutes=10 - n), received_at=now,
        )  # fmt: skip
    Order.objects.filter(pk=order(store, 1, "10.00").pk).update(customer=who)  # an hour ago
    sync_warehouse()

    html = staff_client.get(reverse("analytics:dashboard"), {"days": "7"}).content.decode()
    response = staff_client.get(reverse("analytics:paths-csv"), {"days": "7"})
    lines = b"".join(response.streaming_content).decode("utf-8-sig").strip().splitlines()

    step = '<li><span class="journey-step">Added to cart</span></li>'
    assert "/products/&lt;b&gt;boots&lt;/b&gt;</bdi></span></li>" + step in html  # as text
    assert lines == [
        "Path,Customers,Of new customers (%),Median seconds to the order",
        "/products/<b>boots</b> → Added to cart,1,100.0,4200",  # 70 minutes
    ]
    assert staff_client.get(reverse("analytics:paths-csv"), {"days": "8"}).status_code == 400


def test_the_help_desk_card_shows_the_buyers_who_wrote_in_and_its_csv_the_groups(staff_client, store):
    from cxloop.commerce.models import Customer
    from cxloop.helpdesk.tests.factories import open_conversation

    # given a customer who ordered an hour ago and then wrote to the help desk
    now = timezone.now()
    who = Customer.objects.create(
        store=store, email="ania@example.pl", email_key="ania@example.pl", created_at=now, updated_at=now
    )
    Order.objects.filter(pk=order(store, 1, "10.00").pk).update(customer=who)
    open_conversation(store, from_email="ania@example.pl", subject="<b>Paczka</b>")
    sync_warehouse()

    html = staff_client.get(reverse("analytics:dashboard"), {"days": "7"}).content.decode()
    response = staff_client.get(reverse("analytics:support-csv"))
    lines = b"".join(response.streaming_content).decode("utf-8-sig").strip().splitlines()

    assert "Customers and the help desk" in html
    assert "1 of 1 customer who ordered in these days opened a help desk conversation in them." in html
    assert "Paczka" not in html  # nothing of what was written
    assert "No conversation with a customer was resolved from" in html  # none a year and 90 days old
    assert lines == [
        "Group,Windows,Complete windows,Ordered within the window,Ordered (%),Range from (%),Range to (%)",
        "Customers after a resolved conversation,0,0,0,,,",
        "Other customers (baseline),0,0,0,,,",
    ]
    assert response["Content-Disposition"].startswith('attachment; filename="orders-after-help-desk-')


def test_the_help_desk_csv_before_the_first_sync_sends_back_to_the_page(agent_client):
    response = agent_client.get(reverse("analytics:support-csv"))

    assert response.status_code == 302 and response["Location"] == reverse("analytics:dashboard")
