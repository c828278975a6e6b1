"""An owner builds a segment in the editor: suggestions while typing, a live count, a saved member list.

The Persian journey saves its screenshots to var/screenshots/fa/desktop/segment-editor*.png
(the editor with its count, and with the suggestions open) and segment-detail.png (the saved segment).
"""

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import Page, expect

from cxloop.commerce.models import Customer
from cxloop.core import services as core_services
from cxloop.core.models import Membership
from cxloop.segments.models import Segment
from cxloop.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "fa" / "desktop"
OPERATORS = ["=", "!=", ">", ">=", "<", "<=", "BETWEEN"]
HOSTILE = '<img src=x onerror="window.__pwned=1">'


@pytest.fixture
def owner(transactional_db):
    store, _ = core_services.create_store(name="فروشگاه سارا", currency="EUR", slug="sara")
    user, _ = core_services.add_staff(
        store=store, email="owner@sara.test", role=Membership.Role.OWNER, password=PASSWORD
    )
    return store, user


def customer(store, first_name, last_name, spent, orders, tags=()) -> Customer:
    now = timezone.now()
    email = f"customer.{chr(ord('a') + Customer.objects.filter(store=store).count())}@example.ir"
    return Customer.objects.create(
        store=store, email=email, email_key=email, first_name=first_name, last_name=last_name,
        amount_spent=Decimal(spent), orders_count=orders, tags=list(tags),
        last_order_at=now - timedelta(days=3) if orders else None, created_at=now, updated_at=now,
    )  # fmt: skip


def persian(text: str) -> str:
    with translation.override("fa"):
        return gettext(text)


def sign_in(page: Page, live_server, user) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()


def test_a_persian_owner_builds_a_segment_with_suggestions_sees_its_count_and_saves_it(
    page: Page, live_server, owner
):
    # given five customers, three of whom spent over 200 and carry the tag vip (in any case)
    store, user = owner
    sara = customer(store, "سارا", "احمدی", "450.00", 5, ["vip"])
    reza = customer(store, "رضا", "کریمی", "320.00", 3, ["vip", "wholesale"])
    customer(store, "علی", "رضایی", "800.00", 1)  # spent the most, no tag
    customer(store, "مینا", "حسینی", "120.00", 4, ["vip"])  # the tag, too little spent
    niloofar = customer(store, "نیلوفر", "مرادی", "260.00", 2, ["VIP"])
    sign_in(page, live_server, user)
    page.locator("#language-switch").select_option("fa")
    expect(page.locator("html")).to_have_attribute("lang", "fa")

    # when the owner opens the editor and builds the query from suggestions
    page.goto(f"{live_server.url}/segments/new/")
    editor = page.locator("#segment-query")
    suggestions = page.get_by_role("listbox").get_by_role("option")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(editor).to_have_attribute("dir", "ltr")
    editor.press_sequentially("amo")
    expect(suggestions).to_have_text(["amount_spent"])
    editor.press("Tab")
    expect(suggestions).to_have_text(OPERATORS)
    editor.press("ArrowDown")
    editor.press("ArrowDown")
    expect(page.get_by_role("option", name=">", exact=True)).to_have_attribute("aria-selected", "true")
    editor.press("Enter")
    editor.press_sequentially("200 ")
    expect(suggestions).to_have_text(["AND", "OR"])
    editor.press("Tab")
    editor.press_sequentially("customer_t")
    expect(suggestions).to_have_text(["customer_tags"])
    editor.press("Tab")
    expect(suggestions).to_have_text(["CONTAINS", "NOT CONTAINS"])
    editor.press("Tab")
    editor.press_sequentially("'vip'")

    # then the live count reads three, in Persian digits, and the sample shows the three, the best first
    expect(editor).to_have_value("amount_spent > 200 AND customer_tags CONTAINS 'vip'")
    expect(page.get_by_role("listbox")).to_be_hidden()
    count = page.locator("#segment-preview strong[data-count]")
    expect(count).to_have_attribute("data-count", "3")
    expect(count).to_have_text("۳")
    expect(page.locator(".segment-sample bdi")).to_have_text(["سارا احمدی", "رضا کریمی", "نیلوفر مرادی"])
    assert not re.search("[0-9]", page.locator("#segment-preview").inner_text())  # Persian digits only
    assert editor.evaluate("e => getComputedStyle(e).direction") == "ltr"
    assert page.locator("main").evaluate("e => getComputedStyle(e).direction") == "rtl"
    form, fields = (
        page.locator(".segment-form").bounding_box(),
        page.get_by_role("complementary").bounding_box(),
    )
    assert fields["x"] + fields["width"] <= form["x"]  # the field list stands left of the form
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "segment-editor.png", full_page=True)

    # when the owner names it in Persian and saves it
    page.get_by_label(persian("Name"), exact=True).fill("مشتریان وفادار")
    page.get_by_role("button", name=persian("Save segment")).click()

    # then its page lists exactly those three customers
    segment = Segment.objects.get(store=store)
    expect(page).to_have_url(f"{live_server.url}/segments/{segment.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("مشتریان وفادار")
    members = page.get_by_role("region", name=persian("Members"))
    expect(members.locator("tbody tr td:first-child")).to_have_text(
        [c.display_name for c in (sara, reza, niloofar)]
    )
    expect(members.locator(".card__head .muted")).to_contain_text("۳")
    assert not re.search("[0-9]", members.inner_text())  # the count and every figure in Persian digits
    assert (segment.name, segment.query, segment.member_count) == (
        "مشتریان وفادار",
        "amount_spent > 200 AND customer_tags CONTAINS 'vip'",
        3,
    )
    page.screenshot(path=SHOTS / "segment-detail.png", full_page=True)


def test_a_value_suggestion_completes_an_rfm_group_on_a_persian_page(page: Page, live_server, owner):
    _, user = owner
    sign_in(page, live_server, user)
    page.context.add_cookies([{"name": "django_language", "value": "fa", "url": live_server.url}])

    page.goto(f"{live_server.url}/segments/new/")
    editor = page.locator("#segment-query")
    suggestions = page.get_by_role("listbox").get_by_role("option")
    editor.press_sequentially("rfm_group = '")
    expect(page.get_by_role("option", name="AT_RISK", exact=True)).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "segment-editor-suggestions.png", full_page=True)
    editor.press_sequentially("AT")
    expect(suggestions).to_have_text(["AT_RISK"])
    editor.press("Tab")

    expect(editor).to_have_value("rfm_group = 'AT_RISK'")
    expect(page.locator("#segment-preview strong[data-count]")).to_have_text("۰")


@pytest.mark.parametrize(
    ("query", "position", "at_fault"),
    [
        ("number_of_orders >= 2 AND amount_spent > 'x'", 41, "'"),
        ("amount_spent > 100 AND nmber_of_orders >= 2", 23, "n"),
    ],
)
def test_a_wrong_query_shows_where_it_goes_wrong_and_is_not_saved(
    page: Page, live_server, owner, query, position, at_fault
):
    store, user = owner
    customer(store, "Ania", "Nowak", "150.00", 2)
    sign_in(page, live_server, user)

    page.goto(f"{live_server.url}/segments/new/")
    page.locator("#segment-query").fill(query)
    alert = page.locator("#segment-preview .alert--error")
    expect(alert).to_have_attribute("data-position", str(position))
    expect(alert.locator("pre.segment-caret mark")).to_have_text(at_fault)
    expect(alert.locator("pre.segment-caret")).to_have_text(query)
    assert query[position] == at_fault

    page.get_by_label("Name", exact=True).fill("Broken")
    page.get_by_role("button", name="Save segment").click()

    expect(page).to_have_url(f"{live_server.url}/segments/new/")
    alert = page.locator(".alert--error[data-position]")
    expect(alert).to_have_attribute("data-position", str(position))
    expect(alert.locator("mark")).to_have_text(at_fault)
    expect(page.locator("#segment-query")).to_have_value(query)
    assert Segment.objects.count() == 0


def test_a_customer_name_written_as_markup_stays_text_in_the_sample_and_the_member_list(
    page: Page, live_server, owner
):
    # given a customer whose first name is an image tag with a script in it
    store, user = owner
    hostile = customer(store, HOSTILE, "", "500.00", 3)
    customer(store, "Ania", "Nowak", "40.00", 2)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, live_server, user)

    # when the owner builds a query from the field list's buttons
    page.goto(f"{live_server.url}/segments/new/")
    fields = page.get_by_role("complementary")
    fields.get_by_role("button", name="amount_spent", exact=True).click()
    fields.get_by_role("button", name="number_of_orders", exact=True).click()

    # then the sample shows the name as text, and nothing ran
    expect(page.locator("#segment-query")).to_have_value("amount_spent > 100 AND number_of_orders >= 2")
    expect(page.locator("#segment-preview strong[data-count]")).to_have_attribute("data-count", "1")
    expect(page.locator(".segment-sample bdi")).to_have_text([HOSTILE])
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("img[src=x]").count() == 0

    # and the saved segment's member list shows it as text too
    page.get_by_label("Name", exact=True).fill("Big spenders")
    page.get_by_role("button", name="Save segment").click()
    members = page.get_by_role("region", name="Members")
    expect(members.get_by_role("link", name=HOSTILE)).to_have_attribute("href", f"/customers/{hostile.pk}/")
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("img[src=x]").count() == 0
    assert dialogs == []
