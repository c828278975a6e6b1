"""Two calls with one idempotency key at the same moment: the platform is asked once."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from cxloop.commerce import actions
from cxloop.commerce.actions import ActionInProgress
from cxloop.commerce.models import StoreAction

from .actions_helpers import connect_shopify, make_order


@pytest.mark.django_db(transaction=True)
def test_a_second_click_while_the_first_is_in_flight_is_told_it_is_under_way(store, fake_shopify):
    connect_shopify(store, fake_shopify)
    fake_shopify.add_order(1001, lines={7001: (1, "49.00")}, paid="49.00")
    order = make_order(store, "shopify", 1001, lines={7001: (1, "49.00")}, total="49.00")
    outcome = {}

    def first_click():
        try:
            outcome["first"] = actions.refund_order(
                store, order, amount=Decimal("49.00"), idempotency_key="click"
            )
        finally:
            connection.close()

    # given: the first click's request to Shopify is in flight
    fake_shopify.hold_next()
    thread = threading.Thread(target=first_click)
    thread.start()
    assert fake_shopify.held.wait(10)
    # when: the second click arrives
    with pytest.raises(ActionInProgress, match="already under way"):
        actions.refund_order(store, order, amount=Decimal("49.00"), idempotency_key="click")
    fake_shopify.release_held()
    thread.join(10)
    # then
    assert outcome["first"].amount == Decimal("49.00")
    assert len(fake_shopify.calls("refundCreate")) == 1
    assert StoreAction.objects.get().status == StoreAction.Status.DONE
    third = actions.refund_order(store, order, amount=Decimal("49.00"), idempotency_key="click")
    assert third.replayed and len(fake_shopify.calls("refundCreate")) == 1
