"""The CSVs behind the revenue-by-channel, satisfaction and promoters tables."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cxloop.analytics.sync import sync_warehouse
from cxloop.commerce.models import Customer, Order
from cxloop.surveys.models import Response
from cxloop.surveys.tests.factories import make_survey

pytestmark = pytest.mark.django_db


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


@pytest.fixture
def sold(store, other_store):
    placed = timezone.now() - timedelta(days=2)
    for n, (shop, total, fields) in enumerate([
        (store, "100.00", {"utm_source": "Google"}),
        (store, "50.00", {"utm_source": "google"}),
        (store, "40.00", {"utm_source": "=HYPERLINK(\"http://evil\")"}),
        (store, "30.00", {}),
        (other_store, "999.00", {"utm_source": "google"}),
    ]):  # fmt: skip
        Order.objects.create(
            store=shop, platform="shopify", external_id=str(n), number=f"#{n}", currency="PLN",
            total=Decimal(total), created_at=placed, **fields,
        )  # fmt: skip
    sync_warehouse()
    return store


def test_the_channels_csv_holds_each_channels_credit_and_neutralises_a_sent_name(staff_client, sold):
    response = staff_client.get(reverse("analytics:channels-csv"), {"days": "7"})
    rows = rows_of(response)

    assert response["Content-Disposition"] == 'attachment; filename="net-revenue-by-channel-7-days.csv"'
    assert rows[0][:4] == ["Channel", "Orders (last touch)", "Last touch (PLN)", "Share (%)"]
    by_name = {row[0]: row[1:] for row in rows[1:]}
    assert by_name["google"][:3] == ["2", "150.00", "68.2"]  # 150 of 220; another store's 999 not counted
    assert by_name['\'=hyperlink("http://evil")'][:2] == ["1", "40.00"]  # lower-cased, and never a formula
    assert sum(Decimal(row[2]) for row in rows[1:]) == Decimal("220.00")


def test_a_bad_range_is_400_and_before_the_first_sync_the_page_says_why(staff_client):
    bad = staff_client.get(reverse("analytics:channels-csv"), {"from": "2026-13-01", "to": "2026-12-01"})
    early = staff_client.get(reverse("analytics:satisfaction-csv"))

    assert bad.status_code == 400
    assert early.status_code == 302 and early["Location"] == f"{reverse('analytics:dashboard')}?days=30"


def test_the_satisfaction_csv_groups_the_periods_answers(staff_client, sold):
    buyer = Customer.objects.create(
        store=sold, email="ania@example.pl", email_key="ania@example.pl", created_at=timezone.now(),
        updated_at=timezone.now(),
    )  # fmt: skip
    Order.objects.filter(store=sold, total=Decimal("100.00")).update(customer=buyer)
    Response.objects.create(
        store=sold, survey=make_survey(sold), customer=buyer, channel="email", language="pl", score=10,
        band="high", created_at=timezone.now() - timedelta(days=1), updated_at=timezone.now(),
    )  # fmt: skip
    sync_warehouse()

    rows = rows_of(staff_client.get(reverse("analytics:satisfaction-csv"), {"days": "7"}))

    assert rows[0] == [
        "Grouped by", "Group", "NPS answers", "NPS", "NPS ±", "CSAT answers", "CSAT (%)", "CSAT ±",
    ]  # fmt: skip
    google = next(row for row in rows[1:] if row[0] == "By the channel of their first order")
    assert google[1:5] == ["google", "1", "100.0", "73.5"]  # one promoter: NPS 100, ± 73.5


def test_the_promoters_csv_has_a_row_per_band(staff_client, sold):
    rows = rows_of(staff_client.get(reverse("analytics:voice-csv")))

    assert rows[0][:4] == ["Customers", "How many", "Ordered again", "Ordered again (%)"]
    assert [row[0] for row in rows[1:]] == [
        "Promoters (9–10)",
        "Passives (7–8)",
        "Detractors (0–6)",
        "Never answered",
    ]
