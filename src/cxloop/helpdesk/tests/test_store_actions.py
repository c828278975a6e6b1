"""Acting on the store from a conversation's sidebar: who may, up to what amount, and what is written.

Against the fake Shopify admin API, served over real HTTP.
"""

from decimal import Decimal

import pytest
from django.test import Client

from cxloop.commerce.models import StoreAction
from cxloop.commerce.tests.actions_helpers import (
    connect_shopify,
    connect_woocommerce,
    make_customer,
    make_order,
)
from cxloop.core.models import AuditLog, Membership
from cxloop.helpdesk.models import ActionPolicy, Activity
from cxloop.testing.fixtures import make_staff

from .factories import open_conversation


@pytest.fixture
def shop(store, fake_shopify):
    connect_shopify(store, fake_shopify)
    fake_shopify.add_order(1001, lines={7001: (2, "49.00"), 7002: (1, "20.00")}, paid="118.00")
    return fake_shopify


@pytest.fixture
def customer(store):
    return make_customer(store, email="ania@example.pl", shopify_id=501)


@pytest.fixture
def order(store, customer):
    order = make_order(store, "shopify", 1001, lines={7001: (2, "49.00"), 7002: (1, "20.00")}, total="118.00")
    order.customer = customer
    order.save(update_fields=["customer"])
    return order


@pytest.fixture
def conversation(store, customer):
    conversation, _message = open_conversation(store, from_email=customer.email)
    assert conversation.customer_id == customer.pk
    return conversation


def client_for(store, role) -> Client:
    client = Client()
    client.force_login(make_staff(store, role))
    return client


def url(conversation, action: str) -> str:
    return f"/helpdesk/{conversation.pk}/actions/{action}"


def refund_form(order, key="form-key-1", **extra) -> dict:
    line = order.line_items.get(external_id="7001")
    return {"order": order.pk, f"line-{line.pk}": "1", "reason": "Arrived broken", "notify": "1",
            "idempotency_key": key, **extra}  # fmt: skip


def action_activities(conversation):
    return list(Activity.objects.filter(conversation=conversation, kind=Activity.Kind.ACTION))


# Refunds -------------------------------------------------------------------------------------------


def test_an_owner_refunds_one_item_and_it_is_written_on_the_conversation(
    staff_client, shop, order, conversation
):
    response = staff_client.post(url(conversation, "refund"), refund_form(order))

    assert response.status_code == 302
    [call] = shop.calls("refundCreate")
    assert call.variables["input"]["refundLineItems"] == [
        {"lineItemId": "gid://shopify/LineItem/7001", "quantity": 1, "restockType": "NO_RESTOCK"}
    ]
    [activity] = action_activities(conversation)
    assert activity.data["summary"] == "Refunded 49.00 PLN on order #1001."
    assert activity.data["amount"] == "49.00" and activity.data["currency"] == "PLN"
    assert activity.actor.email == "owner@sklep-ania.test"
    page = staff_client.get(f"/helpdesk/{conversation.pk}/").content.decode()
    assert "Refunded 49.00 PLN on order #1001." in page


def test_posting_the_same_refund_form_twice_refunds_once(staff_client, shop, order, conversation):
    first = staff_client.post(url(conversation, "refund"), refund_form(order))
    second = staff_client.post(url(conversation, "refund"), refund_form(order))

    assert first.status_code == second.status_code == 302
    assert len(shop.calls("refundCreate")) == 1
    assert StoreAction.objects.filter(kind="refund").count() == 1
    assert len(action_activities(conversation)) == 1


def test_a_platform_refusal_is_shown_in_words_and_nothing_is_recorded_as_done(
    staff_client, shop, order, conversation
):
    shop.user_errors_next("refundCreate", [{"field": ["transactions"], "message": "Gateway declined"}])

    response = staff_client.post(url(conversation, "refund"), refund_form(order, key="declined-key"))

    assert response.status_code == 422
    page = response.content.decode()
    assert "Shopify refused it: Gateway declined" in page
    assert 'value="declined-key"' in page  # the form stays open with its key, to try again
    assert StoreAction.objects.get().status == StoreAction.Status.FAILED
    assert action_activities(conversation) == []


def test_a_platform_outage_is_told_as_maybe_done_and_nothing_is_written(
    staff_client, shop, order, conversation
):
    shop.fail_next(500)

    response = staff_client.post(url(conversation, "refund"), refund_form(order))

    assert response.status_code == 502
    assert "check the store" in response.content.decode()
    assert not StoreAction.objects.filter(status=StoreAction.Status.DONE).exists()
    assert action_activities(conversation) == []


# Roles and limits ----------------------------------------------------------------------------------


def test_an_agent_may_not_refund_until_an_owner_allows_it(store, shop, order, conversation):
    agent = client_for(store, Membership.Role.AGENT)

    response = agent.post(url(conversation, "refund"), refund_form(order))

    assert response.status_code == 403
    assert "Your role may not do this in this store (Refund)" in response.content.decode()
    assert shop.calls("refundCreate") == [] and not StoreAction.objects.exists()
    assert action_activities(conversation) == []


def test_an_agent_refunds_within_the_limit_an_owner_set(store, shop, order, conversation):
    ActionPolicy.objects.create(store=store, kind="refund", agents_may=True, max_amount=Decimal("50"))
    agent = client_for(store, Membership.Role.AGENT)

    response = agent.post(url(conversation, "refund"), refund_form(order))

    assert response.status_code == 302
    assert len(shop.calls("refundCreate")) == 1


def test_an_agent_refund_over_the_limit_is_refused_before_asking_shopify(store, shop, order, conversation):
    ActionPolicy.objects.create(store=store, kind="refund", agents_may=True, max_amount=Decimal("40"))
    agent = client_for(store, Membership.Role.AGENT)

    response = agent.post(url(conversation, "refund"), refund_form(order))  # one item at 49.00

    assert response.status_code == 403
    assert "at most 40.00 PLN at a time" in response.content.decode()
    assert shop.calls("refundCreate") == [] and not StoreAction.objects.exists()


def test_an_admin_is_refused_when_the_owner_switched_admins_off(store, shop, order, conversation):
    ActionPolicy.objects.create(store=store, kind="refund", admins_may=False)
    admin = client_for(store, Membership.Role.ADMIN)

    response = admin.post(url(conversation, "refund"), refund_form(order))

    assert response.status_code == 403
    assert shop.calls("refundCreate") == []


def test_an_owner_may_refund_whatever_the_policy_says(store, staff_client, shop, order, conversation):
    ActionPolicy.objects.create(store=store, kind="refund", admins_may=False, max_amount=Decimal("1"))

    response = staff_client.post(url(conversation, "refund"), refund_form(order))

    assert response.status_code == 302


def discount_form(customer, value, kind="fixed", key="discount-key") -> dict:
    return {"customer": customer.pk, "kind": kind, "value": value, "idempotency_key": key}


def test_by_default_an_agent_gives_a_modest_discount_but_not_a_larger_one(
    store, shop, customer, conversation
):
    agent = client_for(store, Membership.Role.AGENT)

    within = agent.post(url(conversation, "discount"), discount_form(customer, "15.00", key="k1"))
    over = agent.post(url(conversation, "discount"), discount_form(customer, "25.00", key="k2"))
    too_generous = agent.post(
        url(conversation, "discount"), discount_form(customer, "50", "percentage", "k3")
    )

    assert within.status_code == 302
    assert over.status_code == 403 and "at most 20.00 PLN at a time" in over.content.decode()
    assert too_generous.status_code == 403 and "at most 15% off" in too_generous.content.decode()
    assert len(shop.calls("discountCodeBasicCreate")) == 1


def test_the_daily_limit_counts_what_the_agent_did_today_but_not_a_double_click(
    store, shop, customer, conversation
):
    ActionPolicy.objects.create(
        store=store, kind="discount_code", agents_may=True, max_amount=Decimal("20"),
        max_amount_per_day=Decimal("30"),
    )  # fmt: skip
    agent = client_for(store, Membership.Role.AGENT)

    first = agent.post(url(conversation, "discount"), discount_form(customer, "20.00", key="day-1"))
    again = agent.post(url(conversation, "discount"), discount_form(customer, "20.00", key="day-1"))
    second = agent.post(url(conversation, "discount"), discount_form(customer, "20.00", key="day-2"))

    assert first.status_code == again.status_code == 302
    assert second.status_code == 403
    assert "20.00 of 30.00 PLN used today" in second.content.decode()
    assert len(shop.calls("discountCodeBasicCreate")) == 1


# The result, the customer's timeline, other actions -------------------------------------------------


def test_a_discount_code_is_offered_for_the_reply_and_shown_on_the_customers_timeline(
    staff_client, shop, customer, conversation
):
    staff_client.post(url(conversation, "discount"), discount_form(customer, "10", "percentage"))

    code = StoreAction.objects.get().result["code"]
    assert StoreAction.objects.get().result["summary"] == f"Created the single-use code {code}: 10% off."
    page = staff_client.get(f"/helpdesk/{conversation.pk}/").content.decode()
    assert f'data-insert-reply="{code}"' in page
    timeline = staff_client.get(f"/customers/{customer.pk}/").content.decode()
    assert "Discount code" in timeline and code in timeline


def test_a_gift_card_and_a_draft_order_with_its_invoice(staff_client, shop, customer, conversation):
    card = staff_client.post(url(conversation, "gift-card"), {
        "customer": customer.pk, "amount": "25", "note": "Sorry", "idempotency_key": "g1"})  # fmt: skip
    draft = staff_client.post(url(conversation, "draft-order"), {
        "customer": customer.pk, "title": "Replacement strap", "price": "12.50", "quantity": "2",
        "send_invoice": "1", "idempotency_key": "d1"})  # fmt: skip

    assert card.status_code == draft.status_code == 302
    assert len(shop.calls("giftCardCreate")) == 1 and len(shop.calls("draftOrderInvoiceSend")) == 1
    summaries = [a.data["summary"] for a in action_activities(conversation)]
    assert summaries[0].startswith("Issued a gift card of 25.00 PLN")
    assert summaries[1].startswith("Created draft order") and "sent the invoice" in summaries[1]
    invoice_url = StoreAction.objects.get(kind="draft_order").result["invoice_url"]
    assert invoice_url and invoice_url in staff_client.get(f"/helpdesk/{conversation.pk}/").content.decode()


def test_cancelling_an_order_from_the_sidebar(staff_client, shop, order, conversation):
    form = {"order": order.pk, "reason": "customer", "refund": "1", "restock": "1", "idempotency_key": "c1"}
    response = staff_client.post(url(conversation, "cancel"), form)

    assert response.status_code == 302
    [call] = shop.calls("orderCancel")
    assert call.variables["orderId"] == "gid://shopify/Order/1001"
    assert action_activities(conversation)[0].data["action"] == "cancel_order"


def test_the_sidebar_explains_how_to_connect_a_store_that_is_not_connected(staff_client, order, conversation):
    page = staff_client.get(f"/helpdesk/{conversation.pk}/").content.decode()

    assert "is not connected to this store" in page and "admin yet" in page
    assert 'href="/integrations/"' in page
    assert "actions/refund" not in page


def test_the_sidebar_offers_refund_and_discount_forms_each_with_its_own_key(
    staff_client, shop, order, conversation
):
    page = staff_client.get(f"/helpdesk/{conversation.pk}/").content.decode()

    assert f'action="/helpdesk/{conversation.pk}/actions/refund"' in page
    assert f'action="/helpdesk/{conversation.pk}/actions/discount"' in page
    keys = [part.split('"')[0] for part in page.split('name="idempotency_key" value="')[1:]]
    assert len(keys) == 5 and len(set(keys)) == 5  # refund, cancel, discount, gift card, draft order


# Tenancy -------------------------------------------------------------------------------------------


def test_another_stores_order_or_customer_in_the_form_is_a_404(staff_client, shop, conversation, other_store):
    foreign_customer = make_customer(other_store, email="canary@example.com")
    foreign_order = make_order(other_store, "shopify", 1001, lines={7001: (2, "49.00")}, total="98.00")

    refund = staff_client.post(
        url(conversation, "refund"), {"order": foreign_order.pk, "idempotency_key": "x"}
    )  # noqa: E501
    cancel = staff_client.post(
        url(conversation, "cancel"), {"order": foreign_order.pk, "idempotency_key": "y"}
    )  # noqa: E501
    discount = staff_client.post(url(conversation, "discount"), discount_form(foreign_customer, "5"))
    card = staff_client.post(url(conversation, "gift-card"), {"customer": foreign_customer.pk, "amount": "5",
                                                               "idempotency_key": "z"})  # fmt: skip

    assert [r.status_code for r in (refund, cancel, discount, card)] == [404, 404, 404, 404]
    assert shop.calls() == [] and not StoreAction.objects.exists()


def test_an_order_of_another_customer_of_the_store_is_refused(store, staff_client, shop, order, conversation):
    someone_else = make_customer(store, email="bob@example.pl")
    order.customer = someone_else
    order.save(update_fields=["customer"])

    response = staff_client.post(url(conversation, "refund"), refund_form(order))

    assert response.status_code == 422
    assert shop.calls("refundCreate") == []


# The owners' settings page -------------------------------------------------------------------------


def test_agents_may_not_open_the_action_settings(agent_client):
    assert agent_client.get("/helpdesk/actions/").status_code == 403
    assert agent_client.post("/helpdesk/actions/", {"refund-agents_may": "1"}).status_code == 403
    assert not ActionPolicy.objects.exists()


def test_the_settings_page_shows_the_safe_defaults(staff_client):
    page = staff_client.get("/helpdesk/actions/").content.decode()

    assert 'name="refund-agents_may" value="1" aria-label' in page  # refunds: agents off
    assert 'name="discount_code-agents_may" value="1" aria-label="Agents may: Discount code" checked' in page
    assert 'name="discount_code-max_amount" value="20.00"' in page


def test_an_owner_lets_agents_refund_up_to_an_amount_and_it_is_audited(store, staff_client):
    response = staff_client.post("/helpdesk/actions/", {
        "refund-admins_may": "1", "refund-agents_may": "1", "refund-max_amount": "30",
        "refund-max_amount_per_day": "۱۰۰",
    })  # fmt: skip

    assert response.status_code == 302
    policy = ActionPolicy.objects.get(store=store, kind="refund")
    assert policy.agents_may is True
    assert (policy.max_amount, policy.max_amount_per_day) == (Decimal("30"), Decimal("100"))
    assert ActionPolicy.objects.get(store=store, kind="gift_card").admins_may is False  # unticked: off
    assert AuditLog.objects.filter(store=store, target="helpdesk store actions").count() == 1


def test_a_negative_limit_is_refused_and_nothing_saved(staff_client):
    response = staff_client.post("/helpdesk/actions/", {"refund-max_amount": "-5"})

    assert response.status_code == 422
    assert not ActionPolicy.objects.exists()


def test_a_woocommerce_store_refunds_from_the_sidebar_and_is_offered_no_gift_cards(
    store, staff_client, fake_woocommerce, customer, conversation
):
    connect_woocommerce(store, fake_woocommerce)
    fake_woocommerce.add_order(2001, lines={8001: 1}, total="30.00")
    order = make_order(store, "woocommerce", 2001, lines={8001: (1, "30.00")}, total="30.00", number="#2001")
    order.customer = customer
    order.save(update_fields=["customer"])
    line = order.line_items.get()

    page = staff_client.get(f"/helpdesk/{conversation.pk}/").content.decode()
    response = staff_client.post(url(conversation, "refund"), {
        "order": order.pk, f"line-{line.pk}": "1", "idempotency_key": "woo-1"})  # fmt: skip

    assert "actions/gift-card" not in page and "actions/draft-order" not in page
    assert response.status_code == 302
    [activity] = action_activities(conversation)
    assert activity.data["amount"] == "30.00"


def test_owners_find_the_action_settings_from_the_inbox(staff_client, agent_client):
    assert 'href="/helpdesk/actions/"' in staff_client.get("/helpdesk/").content.decode()
    assert 'href="/helpdesk/actions/"' not in agent_client.get("/helpdesk/").content.decode()


def test_refunding_the_whole_order_refunds_every_item(staff_client, shop, order, conversation):
    response = staff_client.post(url(conversation, "refund"), {
        "order": order.pk, "whole": "1", "idempotency_key": "whole-1"})  # fmt: skip

    assert response.status_code == 302
    [call] = shop.calls("refundCreate")
    items = call.variables["input"]["refundLineItems"]
    assert [(item["lineItemId"], item["quantity"]) for item in items] == [
        ("gid://shopify/LineItem/7001", 2), ("gid://shopify/LineItem/7002", 1)]  # fmt: skip
    assert action_activities(conversation)[0].data["amount"] == "118.00"


# A store on two platforms --------------------------------------------------------------------------


@pytest.fixture
def woo(store, fake_woocommerce, customer):
    """WooCommerce connected beside Shopify, with the customer's latest order, #2001, from it."""
    connect_woocommerce(store, fake_woocommerce)
    fake_woocommerce.add_order(2001, lines={8001: 1}, total="30.00")
    woo_order = make_order(
        store, "woocommerce", 2001, lines={8001: (1, "30.00")}, total="30.00", number="#2001"
    )
    woo_order.customer = customer
    woo_order.save(update_fields=["customer"])
    return fake_woocommerce, woo_order


def woo_posts(fake, path_end: str) -> list:
    return [r for r in fake.received if r.method == "POST" and r.path.endswith(path_end)]


def test_with_two_platforms_each_orders_refund_goes_to_the_platform_it_came_from(
    staff_client, shop, order, woo, conversation
):
    fake_woo, woo_order = woo
    woo_line = woo_order.line_items.get()

    shopify_refund = staff_client.post(url(conversation, "refund"), refund_form(order, key="r-shopify"))
    woo_refund = staff_client.post(url(conversation, "refund"), {
        "order": woo_order.pk, f"line-{woo_line.pk}": "1", "idempotency_key": "r-woo"})  # fmt: skip

    assert shopify_refund.status_code == woo_refund.status_code == 302
    assert len(shop.calls("refundCreate")) == 1
    assert len(woo_posts(fake_woo, "/orders/2001/refunds")) == 1
    platforms = dict(StoreAction.objects.values_list("idempotency_key", "platform"))
    assert platforms == {"r-shopify": "shopify", "r-woo": "woocommerce"}


def test_with_two_platforms_the_discount_form_offers_both_defaulting_to_the_latest_orders(
    staff_client, shop, order, woo, conversation
):
    page = staff_client.get(f"/helpdesk/{conversation.pk}/").content.decode()

    discount_form_html = page.split('actions/discount"')[1].split("</form>")[0]
    assert '<option value="shopify">Shopify</option>' in discount_form_html
    assert '<option value="woocommerce" selected>WooCommerce</option>' in discount_form_html
    gift_card_form_html = page.split('actions/gift-card"')[1].split("</form>")[0]
    assert 'name="platform"' not in gift_card_form_html  # only Shopify has gift cards: nothing to choose


def test_with_two_platforms_a_discount_code_is_made_on_the_platform_chosen(
    staff_client, shop, order, woo, conversation, customer
):
    fake_woo, _woo_order = woo

    response = staff_client.post(
        url(conversation, "discount"),
        {**discount_form(customer, "10", "percentage"), "platform": "woocommerce"},
    )

    assert response.status_code == 302
    assert len(woo_posts(fake_woo, "/coupons")) == 1
    assert not [call for call in shop.calls() if "discount" in call.field.lower()]
    action = StoreAction.objects.get()
    assert (action.kind, action.platform, action.status) == ("discount_code", "woocommerce", "done")
    [activity] = action_activities(conversation)
    assert activity.data["action_id"] == action.pk


def test_with_two_platforms_a_code_without_a_platform_chosen_is_refused_and_nothing_is_done(
    staff_client, shop, order, woo, conversation, customer
):
    fake_woo, _woo_order = woo

    response = staff_client.post(url(conversation, "discount"), discount_form(customer, "10", "percentage"))

    assert response.status_code == 422
    assert "Choose the platform to act on." in response.content.decode()
    assert not StoreAction.objects.exists() and action_activities(conversation) == []
    assert woo_posts(fake_woo, "/coupons") == [] and shop.calls() == []


@pytest.mark.parametrize(
    ("action", "form"),
    [
        ("discount", {"kind": "percentage", "value": "10"}),
        ("gift-card", {"amount": "25"}),
        ("draft-order", {"title": "Strap", "price": "12.50", "quantity": "1"}),
    ],
)
def test_a_platform_the_store_is_not_connected_to_is_a_form_error_and_nothing_is_done(
    staff_client, shop, conversation, customer, action, form
):
    posted = {**form, "customer": customer.pk, "platform": "woocommerce", "idempotency_key": "not-there"}

    response = staff_client.post(url(conversation, action), posted)

    assert response.status_code == 422
    page = response.content.decode()
    assert "cxloop cannot do that on WooCommerce for this store" in page
    assert 'value="not-there"' in page  # the form stays open with its key
    assert not StoreAction.objects.exists() and action_activities(conversation) == []
    assert shop.calls() == []


def test_a_gift_card_on_woocommerce_is_refused_even_with_woocommerce_connected(
    staff_client, shop, woo, conversation, customer
):
    form = {"customer": customer.pk, "amount": "25", "platform": "woocommerce", "idempotency_key": "g-woo"}
    response = staff_client.post(url(conversation, "gift-card"), form)

    assert response.status_code == 422
    assert not StoreAction.objects.exists() and shop.calls() == []


def test_an_order_from_a_platform_that_is_not_connected_offers_no_form_that_can_only_fail(
    store, staff_client, shop, order, conversation, customer
):
    woo_order = make_order(
        store, "woocommerce", 2001, lines={8001: (1, "30.00")}, total="30.00", number="#2001"
    )
    woo_order.customer = customer
    woo_order.save(update_fields=["customer"])

    page = staff_client.get(f"/helpdesk/{conversation.pk}/").content.decode()

    assert "This order came from WooCommerce, whose admin cxloop is not connected to" in page
    assert f'name="order" value="{woo_order.pk}"' not in page
    assert f'name="order" value="{order.pk}"' in page
    assert 'name="platform"' not in page  # one platform connected: nothing to choose
