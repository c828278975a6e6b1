"""Store actions on Shopify, against a fake Admin GraphQL API served over real HTTP."""

from decimal import Decimal

import pytest

from cxloop.commerce import actions
from cxloop.commerce.actions import ActionError, ActionInProgress, CustomLine, DraftDiscount, NotConnected
from cxloop.commerce.models import StoreAction

from .actions_helpers import connect_shopify, make_customer, make_order, make_variant


@pytest.fixture
def shop(store, fake_shopify):
    connect_shopify(store, fake_shopify)
    fake_shopify.add_order(1001, lines={7001: (2, "49.00"), 7002: (1, "20.00")}, paid="118.00")
    return fake_shopify


@pytest.fixture
def order(store, shop):
    return make_order(store, "shopify", 1001, lines={7001: (2, "49.00"), 7002: (1, "20.00")}, total="118.00")


def refund(store, order, key="key-1", **options):
    options.setdefault("reason", "Arrived broken")
    options.setdefault("notify", True)
    return actions.refund_order(store, order, idempotency_key=key, **options)


# Refunds ------------------------------------------------------------------------------------


def test_refunding_a_line_refunds_its_price_against_the_order_payment(store, shop, order):
    line = order.line_items.get(external_id="7001")

    result = refund(store, order, lines=[(line, 1)])

    assert result.ok and result.amount == Decimal("49.00") and result.currency == "PLN"
    assert result.summary == "Refunded 49.00 PLN on order #1001."
    [call] = shop.calls("refundCreate")
    refund_input = call.variables["input"]
    assert refund_input["refundLineItems"] == [
        {"lineItemId": "gid://shopify/LineItem/7001", "quantity": 1, "restockType": "NO_RESTOCK"}
    ]
    [transaction] = refund_input["transactions"]
    assert transaction["amount"] == "49.00" and transaction["kind"] == "REFUND"
    assert transaction["parentId"] == shop.state.orders["gid://shopify/Order/1001"].transaction
    assert refund_input["notify"] is True and refund_input["note"] == "Arrived broken"
    assert shop.state.orders["gid://shopify/Order/1001"].refundable == Decimal("69.00")


def test_refunding_an_amount_alone_asks_for_a_full_suggestion_and_refunds_that_amount(store, shop, order):
    result = refund(store, order, amount=Decimal("10.50"))

    assert result.amount == Decimal("10.50")
    [suggest] = shop.calls("order")
    assert suggest.variables["suggestFullRefund"] is True and suggest.variables["refundLineItems"] is None
    [call] = shop.calls("refundCreate")
    assert call.variables["input"]["refundLineItems"] == []
    assert call.variables["input"]["transactions"][0]["amount"] == "10.50"


def test_refund_sends_shopifys_idempotency_directive(store, shop, order):
    refund(store, order, amount=Decimal("5.00"))

    [call] = shop.calls("refundCreate")
    assert call.idempotency_key is not None and len(call.idempotency_key) == 36  # a UUID


def test_refunding_more_than_remains_is_refused_before_asking_shopify_to_refund(store, shop, order):
    with pytest.raises(ActionError, match=r"At most 118.00 PLN can still be refunded on order #1001"):
        refund(store, order, amount=Decimal("200.00"))

    assert shop.calls("refundCreate") == []
    assert StoreAction.objects.get().status == StoreAction.Status.FAILED


def test_shopifys_user_errors_become_the_actions_error(store, shop, order):
    line = order.line_items.get(external_id="7002")
    refund(store, order, key="first", lines=[(line, 1)])

    with pytest.raises(ActionError, match="Quantity cannot refund more items than were purchased"):
        refund(store, order, key="second", lines=[(line, 1)], amount=Decimal("1.00"))


def test_the_same_key_twice_refunds_once_and_returns_the_first_result(store, shop, order):
    first = refund(store, order, amount=Decimal("10.00"))
    second = refund(store, order, amount=Decimal("10.00"))

    assert len(shop.calls("refundCreate")) == 1
    assert second.replayed and not first.replayed
    assert second.platform_ids == first.platform_ids and second.amount == Decimal("10.00")
    assert shop.state.orders["gid://shopify/Order/1001"].refundable == Decimal("108.00")


def test_a_key_reused_for_another_action_is_refused(store, shop, order):
    refund(store, order, amount=Decimal("10.00"))

    with pytest.raises(ActionError, match="already used for a different action"):
        refund(store, order, amount=Decimal("11.00"))


def test_an_action_under_way_answers_in_progress(store, shop, order):
    StoreAction.objects.create(
        store=store, kind="refund", platform="shopify", idempotency_key="key-1",
        request={"order": order.pk, "lines": [], "amount": "10.00", "reason": "Arrived broken",
                 "notify": True},
    )  # fmt: skip

    with pytest.raises(ActionInProgress):
        refund(store, order, amount=Decimal("10.00"))
    assert shop.calls("refundCreate") == []


def test_a_lost_answer_is_retried_with_the_same_shopify_key_and_refunds_once(store, shop, order):
    shop.lose_next_answer(after=1)  # Shopify refunds, but its answer to refundCreate is lost
    with pytest.raises(ActionError, match="may or may not have done it") as lost:
        refund(store, order, amount=Decimal("10.00"))
    assert lost.value.definite is False

    again = refund(store, order, amount=Decimal("10.00"))

    first_call, second_call = shop.calls("refundCreate")
    assert first_call.idempotency_key == second_call.idempotency_key
    assert again.amount == Decimal("10.00")
    assert shop.state.orders["gid://shopify/Order/1001"].refundable == Decimal("108.00")
    assert StoreAction.objects.get().status == StoreAction.Status.DONE


def test_after_a_refusal_a_retry_sends_a_new_shopify_key(store, shop, order):
    shop.user_errors_next("refundCreate", [{"field": ["transactions"], "message": "Gateway declined"}])
    with pytest.raises(ActionError, match="Shopify refused it: Gateway declined"):
        refund(store, order, amount=Decimal("10.00"))

    refund(store, order, amount=Decimal("10.00"))

    first_call, second_call = shop.calls("refundCreate")
    assert first_call.idempotency_key != second_call.idempotency_key
    assert StoreAction.objects.get().platform_attempt == 2


def test_refund_checks_lines_and_amounts_before_calling_shopify(store, shop, order, other_store):
    line = order.line_items.get(external_id="7001")
    with pytest.raises(ActionError, match="only 2"):
        refund(store, order, lines=[(line, 3)])
    with pytest.raises(ActionError, match="more than two decimal places"):
        refund(store, order, key="k2", amount=Decimal("1.005"))
    with pytest.raises(ActionError, match="Say what to refund"):
        refund(store, order, key="k3")
    with pytest.raises(ActionError, match="another store"):
        actions.refund_order(other_store, order, amount=Decimal("1.00"), idempotency_key="k4")
    assert shop.received == []


# Errors, limits ------------------------------------------------------------------------------


def test_a_revoked_token_is_told_in_words(store, shop, order):
    shop.token = "shpat_another"

    with pytest.raises(ActionError, match="refused cxloop's credentials") as refused:
        refund(store, order, amount=Decimal("10.00"))
    assert refused.value.code == "unauthorized"


def test_a_wrong_api_version_is_a_clear_not_found(store, fake_shopify, order):
    connect_shopify(store, fake_shopify, api_version="2026-07")

    with pytest.raises(ActionError, match="does not know this shop address or API version"):
        refund(store, order, amount=Decimal("10.00"))


def test_rate_limit_waits_what_shopify_asks_then_succeeds(store, shop, order, waits):
    shop.fail_next(429, retry_after="2.0", times=2)

    result = refund(store, order, amount=Decimal("10.00"))

    assert result.amount == Decimal("10.00")
    assert waits == [2.0, 2.0]


def test_rate_limit_that_does_not_end_gives_up_after_a_few_tries(store, shop, order, waits, settings):
    settings.CXLOOP_ACTIONS_RATE_LIMIT_RETRIES = 3
    shop.fail_next(429, retry_after="60", times=4)

    with pytest.raises(ActionError, match="too many requests") as limited:
        refund(store, order, amount=Decimal("10.00"))

    assert limited.value.code == "rate_limited"
    assert waits == [settings.CXLOOP_ACTIONS_MAX_RETRY_WAIT_SECONDS] * 3
    assert shop.state.orders["gid://shopify/Order/1001"].refundable == Decimal("118.00")


def test_throttled_graphql_answer_waits_for_the_cost_bucket(store, shop, order, waits):
    shop.throttle_next()

    refund(store, order, amount=Decimal("10.00"))

    assert waits == [pytest.approx(0.05)]  # (10 requested - 5 available) / 100 restored per second


def test_a_server_error_says_the_outcome_is_unknown(store, shop, order):
    shop.fail_next(500)

    with pytest.raises(ActionError, match="may or may not have done it") as failed:
        refund(store, order, amount=Decimal("10.00"))
    assert failed.value.definite is False


def test_a_store_without_a_connection_is_told_how_to_connect(store, order):
    from cxloop.commerce.models import PlatformConnection

    PlatformConnection.objects.all().delete()
    with pytest.raises(NotConnected, match="An owner can connect it under Integrations"):
        refund(store, order, amount=Decimal("10.00"))
    assert not StoreAction.objects.exists()


# Discount codes, gift cards ---------------------------------------------------------------------------


def test_percentage_code_for_one_customer(store, shop):
    customer = make_customer(store, shopify_id=555)

    result = actions.create_discount_code(
        store, kind="percentage", value=Decimal("15"), customer=customer, idempotency_key="d1"
    )

    [call] = shop.calls("discountCodeBasicCreate")
    discount = call.variables["basicCodeDiscount"]
    assert discount["code"] == result.code and result.code.startswith("CX-")
    assert discount["customerGets"]["value"] == {"percentage": 0.15}
    assert discount["context"] == {"customers": {"add": ["gid://shopify/Customer/555"]}}
    assert discount["usageLimit"] == 1 and discount["appliesOncePerCustomer"] is True
    assert result.summary == f"Created the single-use code {result.code}: 15% off."


def test_fixed_code_for_everyone_with_a_chosen_code(store, shop):
    result = actions.create_discount_code(
        store, kind="fixed", value=Decimal("20.00"), code="sorry-20", idempotency_key="d2"
    )

    discount = shop.calls("discountCodeBasicCreate")[0].variables["basicCodeDiscount"]
    assert discount["code"] == "SORRY-20" and discount["context"] == {"all": "ALL"}
    assert discount["customerGets"]["value"] == {
        "discountAmount": {"amount": "20.00", "appliesOnEachItem": False}
    }
    assert result.amount == Decimal("20.00") and result.currency == "PLN"


def test_free_shipping_code_uses_the_free_shipping_mutation(store, shop):
    actions.create_discount_code(store, kind="free_shipping", idempotency_key="d3")

    [call] = shop.calls("discountCodeFreeShippingCreate")
    assert call.variables["freeShippingCodeDiscount"]["destination"] == {"all": True}


def test_a_taken_code_is_refused_in_shopifys_words(store, shop):
    actions.create_discount_code(store, kind="fixed", value=Decimal("5"), code="SAME", idempotency_key="d4")

    with pytest.raises(ActionError, match="Code must be unique"):
        actions.create_discount_code(
            store, kind="fixed", value=Decimal("5"), code="SAME", idempotency_key="d5"
        )


def test_generated_code_is_the_same_for_the_same_key(store):
    assert actions.generated_code(store, "abc") == actions.generated_code(store, "abc")
    assert actions.generated_code(store, "abc") != actions.generated_code(store, "abd")


def test_gift_card_gives_the_code_once_and_keeps_only_its_end(store, shop):
    customer = make_customer(store, shopify_id=555)

    first = actions.issue_gift_card(
        store, amount=Decimal("25.00"), currency="PLN", customer=customer, note="Sorry", idempotency_key="g1"
    )
    again = actions.issue_gift_card(
        store, amount=Decimal("25.00"), currency="PLN", customer=customer, note="Sorry", idempotency_key="g1"
    )

    [card] = shop.state.gift_cards
    assert first.code == card["code"] and first.amount == Decimal("25.00")
    assert again.replayed and again.code == card["code"][-4:]
    assert card["code"] not in str(StoreAction.objects.get().result)
    [call] = shop.calls("giftCardCreate")
    assert call.variables["input"] == {
        "initialValue": "25.00",
        "note": "Sorry",
        "customerId": "gid://shopify/Customer/555",
    }


def test_gift_card_in_another_currency_is_refused_without_a_call(store, shop):
    with pytest.raises(ActionError, match="store's currency, PLN"):
        actions.issue_gift_card(store, amount=Decimal("25.00"), currency="EUR", idempotency_key="g2")
    assert shop.received == []


# Cancellation, draft orders ---------------------------------------------------------------------


def test_cancel_with_refund_and_restock(store, shop, order):
    result = actions.cancel_order(
        store,
        order,
        reason="customer",
        note="Changed their mind",
        restock=True,
        refund=True,
        idempotency_key="c1",
    )

    [call] = shop.calls("orderCancel")
    assert call.variables == {
        "orderId": "gid://shopify/Order/1001", "reason": "CUSTOMER",
        "refundMethod": {"originalPaymentMethodsRefund": True}, "restock": True,
        "notifyCustomer": False, "staffNote": "Changed their mind",
    }  # fmt: skip
    assert shop.state.orders["gid://shopify/Order/1001"].cancelled
    assert result.platform_ids["job"].startswith("gid://shopify/Job/")


def test_cancelling_twice_on_shopify_is_refused_in_its_words(store, shop, order):
    actions.cancel_order(store, order, idempotency_key="c1")

    with pytest.raises(ActionError, match="already been cancelled"):
        actions.cancel_order(store, order, idempotency_key="c2")


def test_draft_order_with_variant_custom_line_discount_and_invoice(store, shop):
    shop.add_variant(3001, "30.00")
    variant = make_variant(store, 3001, "30.00")
    customer = make_customer(store, shopify_id=555)

    result = actions.create_draft_order(
        store, customer=customer, lines=[(variant, 2), (CustomLine("Gift wrap", Decimal("5.00")), 1)],
        discount=DraftDiscount("percentage", Decimal("10")), send_invoice=True, idempotency_key="o1",
    )  # fmt: skip

    draft_input = shop.calls("draftOrderCreate")[0].variables["input"]
    assert draft_input["lineItems"] == [
        {"variantId": "gid://shopify/ProductVariant/3001", "quantity": 2},
        {
            "title": "Gift wrap",
            "originalUnitPriceWithCurrency": {"amount": "5.00", "currencyCode": "PLN"},
            "quantity": 1,
        },
    ]
    assert draft_input["purchasingEntity"] == {"customerId": "gid://shopify/Customer/555"}
    assert result.amount == Decimal("58.50") and result.invoice_url.startswith("https://")
    [draft] = shop.state.drafts.values()
    assert draft["invoice_sent"] is True


def test_a_failed_invoice_is_sent_on_retry_without_a_second_draft(store, shop):
    shop.user_errors_next("draftOrderInvoiceSend", [{"field": ["email"], "message": "Email is invalid"}])
    lines = [(CustomLine("Repair", Decimal("40.00")), 1)]
    with pytest.raises(ActionError, match="Email is invalid"):
        actions.create_draft_order(store, lines=lines, send_invoice=True, idempotency_key="o2")

    result = actions.create_draft_order(store, lines=lines, send_invoice=True, idempotency_key="o2")

    assert len(shop.calls("draftOrderCreate")) == 1
    assert len(shop.calls("draftOrderInvoiceSend")) == 2
    assert result.invoice_url and len(shop.state.drafts) == 1


# After an answer was lost ------------------------------------------------------------------------


def test_a_code_whose_answer_was_lost_is_found_by_its_code_on_retry(store, shop):
    shop.lose_next_answer()
    with pytest.raises(ActionError, match="may or may not"):
        actions.create_discount_code(store, kind="fixed", value=Decimal("5"), idempotency_key="d9")

    result = actions.create_discount_code(store, kind="fixed", value=Decimal("5"), idempotency_key="d9")

    assert len(shop.state.discounts) == 1
    assert result.platform_ids["discount"] == shop.state.discounts[result.code]["id"]
    assert len(shop.calls("codeDiscountNodeByCode")) == 1


def test_a_gift_card_whose_answer_was_lost_is_not_issued_again(store, shop):
    shop.lose_next_answer()
    with pytest.raises(ActionError, match="may or may not"):
        actions.issue_gift_card(store, amount=Decimal("25.00"), currency="PLN", idempotency_key="g9")

    for _attempt in range(2):
        with pytest.raises(ActionError, match="may have issued this gift card"):
            actions.issue_gift_card(store, amount=Decimal("25.00"), currency="PLN", idempotency_key="g9")

    assert len(shop.state.gift_cards) == 1 and len(shop.calls("giftCardCreate")) == 1


def test_api_versions_before_2026_01_get_no_idempotency_directive(store, fake_shopify):
    fake_shopify.version = "2025-10"
    connect_shopify(store, fake_shopify)
    fake_shopify.add_order(1001, lines={7001: (1, "49.00")}, paid="49.00")
    order = make_order(store, "shopify", 1001, lines={7001: (1, "49.00")}, total="49.00")

    refund(store, order, amount=Decimal("5.00"))

    [call] = fake_shopify.calls("refundCreate")
    assert call.idempotency_key is None and "@idempotent" not in call.query


def test_a_missing_access_scope_is_told_in_words(store, shop, order):
    shop.fail_next(200, body={"errors": [{"message": "Access denied for giftCardCreate field.",
                                          "extensions": {"code": "ACCESS_DENIED"}}]})  # fmt: skip

    with pytest.raises(ActionError, match="needs the access scope") as denied:
        actions.issue_gift_card(store, amount=Decimal("5.00"), currency="PLN", idempotency_key="g7")
    assert denied.value.code == "forbidden"
