"""The staff shell: sign-in, overview numbers, store switching, languages."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cxloop.commerce.records import OrderData
from cxloop.commerce.services import record_events, upsert_order
from cxloop.commerce.services.events import parse_events
from cxloop.core.models import Membership, Platform
from cxloop.testing.fixtures import PASSWORD, make_staff
from cxloop.web import charts, queries

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def place_order(store, number, email, total, days_ago, **extra):
    with transaction.atomic():
        upsert_order(
            store=store,
            platform=Platform.SHOPIFY,
            data=OrderData(
                external_id=number,
                number=f"#{number}",
                currency=extra.pop("currency", store.currency),
                total=Decimal(total),
                created_at=NOW - timedelta(days=days_ago),
                email=email,
                **extra,
            ),
        )


def page_views_and_orders(store, sessions):
    """`sessions`: (session id, days ago, placed an order?)."""
    raw = []
    for session, days_ago, placed in sessions:
        at = (NOW - timedelta(days=days_ago)).isoformat()
        raw.append(
            {"event_id": f"pv-{session}", "type": "page_view", "session_id": session, "occurred_at": at}
        )  # noqa: E501
        raw.append(
            {"event_id": f"pv2-{session}", "type": "page_view", "session_id": session, "occurred_at": at}
        )  # noqa: E501
        if placed:
            raw.append(
                {
                    "event_id": f"op-{session}",
                    "type": "order_placed",
                    "session_id": session,
                    "occurred_at": at,
                }
            )  # noqa: E501
    record_events(store=store, events=parse_events(raw))


def test_login_page_renders_and_signs_in(owner):
    client = Client()

    page = client.get(reverse("web:login"))
    response = client.post(reverse("web:login"), {"username": owner.username, "password": PASSWORD})

    assert page.status_code == 200
    assert 'autocomplete="current-password"' in page.text
    assert response.status_code == 302
    assert response.url == reverse("web:overview")


def test_anonymous_visitor_is_sent_to_login():
    response = Client().get(reverse("commerce:customer-list"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("web:login"))


def test_overview_renders_for_the_owner(staff_client, store):
    place_order(store, "1", "a@example.com", "100.00", days_ago=1)

    response = staff_client.get(reverse("web:overview"))

    assert response.status_code == 200
    assert "Revenue" in response.text
    assert "<svg" in response.text
    assert 'class="chart__bar"' in response.text


def test_overview_shows_an_empty_state_without_data(staff_client):
    response = staff_client.get(reverse("web:overview"))

    assert response.status_code == 200
    assert "No data yet" in response.text
    assert "No revenue in this period yet." in response.text


def test_overview_numbers_match_a_small_dataset(store):
    # given: last 30 days — a (2 orders), b (1 order, 20.00 refunded), a cancelled
    # order and one in another currency; the 30 days before — a (1 order).
    place_order(store, "1", "a@example.com", "100.00", days_ago=1)
    place_order(store, "2", "a@example.com", "50.00", days_ago=10)
    place_order(store, "3", "b@example.com", "30.00", days_ago=5)
    place_order(store, "4", "c@example.com", "999.00", days_ago=3, cancelled_at=NOW)
    place_order(store, "5", "d@example.com", "70.00", days_ago=4, currency="EUR")
    place_order(store, "6", "a@example.com", "80.00", days_ago=40)
    from cxloop.commerce.models import Order

    Order.objects.filter(store=store, external_id="3").update(refunded_amount=Decimal("20.00"))
    page_views_and_orders(
        store,
        [
            ("s1", 1, True),
            ("s2", 2, False),
            ("s3", 3, False),
            ("s4", 4, False),
            ("s5", 45, True),
            ("s6", 50, False),
        ],  # noqa: E501
    )

    # when
    overview = queries.build_overview(store, now=NOW)

    # then
    assert overview.revenue.current == Decimal("160.00")  # 100 + 50 + (30 - 20)
    assert overview.revenue.previous == Decimal("80.00")
    assert overview.revenue.change == Decimal("100.0")
    assert overview.orders.current == 4  # the EUR order counts, the cancelled one does not
    assert overview.orders.previous == 1
    assert overview.customers.current == 3
    assert overview.repeat_rate.current == Decimal("33.3")  # a of a, b, d
    assert overview.repeat_rate.previous == Decimal("0.0")
    assert overview.repeat_rate.change == Decimal("33.3")
    assert overview.conversion_rate.current == Decimal("25.0")  # 1 of 4 sessions
    assert overview.conversion_rate.previous == Decimal("50.0")
    assert overview.conversion_rate.direction == "down"


def test_daily_revenue_has_sixty_days_with_zeros(store):
    place_order(store, "1", "a@example.com", "100.00", days_ago=0)
    place_order(store, "2", "a@example.com", "25.50", days_ago=0)
    place_order(store, "3", "a@example.com", "10.00", days_ago=70)

    days = queries.list_daily_revenue(store, now=NOW)

    assert len(days) == 60
    assert days[-1].day == timezone.localdate(NOW)
    assert days[-1].revenue == Decimal("125.50")
    assert sum(day.revenue for day in days) == Decimal("125.50")


def test_staff_without_a_store_see_a_message():
    user = get_user_model().objects.create_user(username="lost@example.com", password=PASSWORD)
    client = Client()
    client.force_login(user)

    response = client.get(reverse("web:overview"))

    assert response.status_code == 403
    assert "You are not a member of any store yet" in response.text


def test_switch_store_to_a_store_of_the_user(owner, store, other_store):
    Membership.objects.create(user=owner, store=other_store, role=Membership.Role.AGENT)
    client = Client()
    client.force_login(owner)

    response = client.post(reverse("web:switch-store"), {"store": other_store.pk})
    page = client.get(reverse("web:overview"))

    assert response.status_code == 302
    assert page.context["current_store"] == other_store
    assert page.context["current_role"] == "agent"


def test_switch_store_to_a_store_you_are_not_a_member_of_answers_404(staff_client, store, other_store):
    response = staff_client.post(reverse("web:switch-store"), {"store": other_store.pk})

    assert response.status_code == 404
    assert staff_client.get(reverse("web:overview")).context["current_store"] == store


def test_switch_store_only_accepts_post(staff_client, store):
    assert staff_client.get(reverse("web:switch-store")).status_code == 405


def test_store_switcher_lists_only_my_stores(owner, store, other_store):
    make_staff(other_store, Membership.Role.OWNER, email="someone-else@example.com")
    third = Membership.objects.create(user=owner, store=other_store, role=Membership.Role.ADMIN).store
    client = Client()
    client.force_login(owner)

    response = client.get(reverse("web:overview"))

    assert f'<option value="{third.pk}"' in response.text
    assert 'id="store-switch"' in response.text


def test_persian_renders_right_to_left(staff_client):
    staff_client.post(reverse("set_language"), {"language": "fa", "next": "/"})

    response = staff_client.get(reverse("commerce:customer-list"))

    assert '<html lang="fa" dir="rtl">' in response.text
    assert "مشتریان" in response.text


def test_logout_is_a_post_form(staff_client):
    page = staff_client.get(reverse("web:overview"))
    response = staff_client.post(reverse("web:logout"))

    assert f'method="post" action="{reverse("web:logout")}"' in page.text
    assert response.status_code == 302
    assert staff_client.get(reverse("web:overview")).status_code == 302


def test_pages_carry_the_csp_and_no_inline_script_or_style(staff_client, store):
    place_order(store, "1", "a@example.com", "100.00", days_ago=1)

    response = staff_client.get(reverse("web:overview"))

    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "<style" not in response.text
    assert " style=" not in response.text
    assert "<script>" not in response.text
    assert '"allowEval": false' in response.text


def test_chart_keeps_its_size_and_scales_bars_to_the_largest_day():
    series = [
        queries.DayRevenue(NOW.date() - timedelta(days=2 - i), Decimal(v))
        for i, v in enumerate(["0", "50", "100"])
    ]

    chart = charts.build_bar_chart(series, width=400, height=200, label_every=1)

    assert (chart.width, chart.height) == (400, 200)
    assert [tick.label for tick in chart.ticks] == ["0", "25", "50", "75", "100"]
    tallest = chart.baseline_y - chart.ticks[-1].y
    assert [bar.height for bar in chart.bars] == [0.0, round(tallest / 2, 2), tallest]
    assert len(chart.date_labels) == 3
