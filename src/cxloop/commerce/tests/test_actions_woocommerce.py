"""Store actions on WooCommerce, against a fake REST API (v3) served over real HTTP."""

import base64
from decimal import Decimal

import pytest

from cxloop.commerce import actions
from cxloop.commerce.actions import ActionError, CustomLine
from cxloop.commerce.models import StoreAction

from .actions_helpers import connect_woocommerce, make_customer, make_order


@pytest.fixture
def woo(store, fake_woocommerce):
    connect_woocommerce(store, fake_woocommerce)
    fake_woocommerce.add_order(4821, total="118.00", lines={9001: 2, 9002: 1})
    return fake_woocommerce


@pytest.fixture
def order(store, woo):
    return make_order(
        store, "woocommerce", 4821, lines={9001: (2, "49.00"), 9002: (1, "20.00")}, total="118.00"
    )


def refund(store, order, key="key-1", **options):
    return actions.refund_order(
        store, order, reason="Arrived broken", notify=True, idempotency_key=key, **options
    )


def test_refunding_a_line_posts_its_price_with_basic_auth(store, woo, order):
    line = order.line_items.get(external_id="9001")

    result = refund(store, order, lines=[(line, 1)])

    assert result.amount == Decimal("49.00") and result.summary == "Refunded 49.00 PLN on order #1001."
    [body] = woo.bodies("POST", "/orders/4821/refunds")
    assert body["amount"] == "49.00" and body["api_refund"] is True and body["reason"] == "Arrived broken"
    assert body["line_items"] == [{"id": 9001, "quantity": 1, "refund_total": "49.00"}]
    request = [r for r in woo.received if r.method == "POST"][0]
    assert (
        request.headers["authorization"]
        == "Basic " + base64.b64encode(f"{woo.key}:{woo.secret}".encode()).decode()
    )
    assert woo.orders[4821].refunded == Decimal("49.00")


def test_refunding_more_than_remains_gives_woocommerces_reason(store, woo, order):
    with pytest.raises(ActionError, match="WooCommerce refused it: Invalid refund amount.") as refused:
        refund(store, order, amount=Decimal("500.00"))

    assert refused.value.definite is True
    assert woo.orders[4821].refunds == []


def test_the_same_key_twice_posts_one_refund(store, woo, order):
    refund(store, order, amount=Decimal("10.00"))
    again = refund(store, order, amount=Decimal("10.00"))

    assert again.replayed and len(woo.bodies("POST", "/orders/4821/refunds")) == 1
    assert woo.orders[4821].refunded == Decimal("10.00")


def test_after_a_lost_answer_the_retry_finds_the_refund_already_made(store, woo, order):
    woo.lose_next_answer()
    with pytest.raises(ActionError, match="may or may not have done it"):
        refund(store, order, amount=Decimal("10.00"))

    again = refund(store, order, amount=Decimal("10.00"))

    assert len(woo.bodies("POST", "/orders/4821/refunds")) == 1  # looked, found it, did not refund again
    assert again.platform_ids["refund"] == str(woo.orders[4821].refunds[0]["id"])
    assert woo.orders[4821].refunded == Decimal("10.00")


def test_wrong_credentials_are_told_in_words(store, woo, order):
    woo.secret = "cs_other"

    with pytest.raises(ActionError, match="refused cxloop's credentials"):
        refund(store, order, amount=Decimal("10.00"))


def test_rate_limit_is_waited_out(store, woo, order, waits):
    woo.fail_next(429, retry_after="1")

    refund(store, order, amount=Decimal("10.00"))

    assert waits == [1.0]


def test_an_unknown_order_is_a_clear_not_found(store, woo):
    ghost = make_order(store, "woocommerce", 9999, lines={1: (1, "5.00")}, total="5.00", number="#9999")

    with pytest.raises(ActionError, match="WooCommerce does not know this order"):
        refund(store, ghost, amount=Decimal("5.00"))


def test_percentage_coupon_limited_to_the_customers_email(store, woo):
    customer = make_customer(store, email="anna@example.com")

    result = actions.create_discount_code(
        store, kind="percentage", value=Decimal("15"), customer=customer, idempotency_key="d1"
    )

    [body] = woo.bodies("POST", "/coupons")
    assert body["code"] == result.code and body["discount_type"] == "percent" and body["amount"] == "15"
    assert body["usage_limit"] == 1 and body["usage_limit_per_user"] == 1
    assert body["email_restrictions"] == ["anna@example.com"]


def test_free_shipping_and_fixed_coupons(store, woo):
    actions.create_discount_code(store, kind="free_shipping", idempotency_key="d2")
    actions.create_discount_code(store, kind="fixed", value=Decimal("20.00"), idempotency_key="d3")

    free, fixed = woo.bodies("POST", "/coupons")
    assert free["free_shipping"] is True and free["discount_type"] == "fixed_cart" and free["amount"] == "0"
    assert fixed["discount_type"] == "fixed_cart" and fixed["amount"] == "20.00"


def test_a_taken_coupon_code_is_refused(store, woo):
    actions.create_discount_code(store, kind="fixed", value=Decimal("5"), code="SAME", idempotency_key="d4")

    with pytest.raises(ActionError, match="The coupon code already exists"):
        actions.create_discount_code(
            store, kind="fixed", value=Decimal("5"), code="SAME", idempotency_key="d5"
        )


def test_gift_cards_and_draft_orders_are_not_available(store, woo):
    with pytest.raises(ActionError, match="A gift card is not available on WooCommerce"):
        actions.issue_gift_card(store, amount=Decimal("25.00"), currency="PLN", idempotency_key="g1")
    with pytest.raises(ActionError, match="A draft order is not available on WooCommerce"):
        actions.create_draft_order(
            store, lines=[(CustomLine("Repair", Decimal("4")), 1)], idempotency_key="o1"
        )

    assert woo.received == [] and not StoreAction.objects.exists()


def test_cancel_with_refund_sets_cancelled_then_refunds_what_remains(store, woo, order):
    refund(store, order, key="earlier", amount=Decimal("18.00"))

    result = actions.cancel_order(store, order, reason="customer", refund=True, idempotency_key="c1")

    assert woo.bodies("PUT", "/orders/4821") == [{"status": "cancelled"}]
    last = woo.bodies("POST", "/orders/4821/refunds")[-1]
    assert last["amount"] == "100.00"
    assert woo.orders[4821].refunded == Decimal("118.00")
    assert result.summary == "Cancelled order #1001 and refunded the payment."


def test_cancel_without_restock_is_not_possible_on_woocommerce(store, woo, order):
    with pytest.raises(ActionError, match="always puts the items of a cancelled order back in stock"):
        actions.cancel_order(store, order, restock=False, refund=False, idempotency_key="c2")

    assert woo.orders[4821].status == "processing"


def test_actions_are_listed_per_order_newest_first_and_store_scoped(store, other_store, woo, order, owner):
    from cxloop.commerce.queries import list_store_actions

    refund(store, order, key="a", amount=Decimal("1.00"))
    actions.refund_order(store, order, amount=Decimal("2.00"), idempotency_key="b", actor=owner)

    listed = list(list_store_actions(store, order=order))

    assert [a.idempotency_key for a in listed] == ["b", "a"]
    assert listed[0].actor == owner and listed[0].status == StoreAction.Status.DONE
    assert listed[0].result["amount"] == "2.00"
    assert list(list_store_actions(other_store, order=order)) == []
