"""An outgoing webhook survives a kill -9 of the worker mid-request (DESIGN.md, Guarantees).

A real `cxloop worker` posts a delivery to a real, slow receiver; the worker is
killed with SIGKILL while the receiver holds the request, a new worker starts,
and the delivery is sent again, the same delivery id and body, and completes.
"""

import json

from cxloop.hooks.signatures import is_valid
from cxloop.testing.webhooks import webhook_receiver  # noqa: F401 (fixture)

SEED = """
from cxloop.core import services as core_services
from cxloop.hooks import services
store, _ = core_services.create_store(name="Hook Shop", currency="EUR", slug="hook-shop")
endpoint = services.create_endpoint(store=store, url=URL, events=["ping"])
services.publish(store, "ping", {"order": 1001})
print(endpoint.secret)
"""


def test_a_delivery_cut_off_by_kill_9_is_sent_again_with_the_same_id_and_completes(
    installation,
    webhook_receiver,  # noqa: F811
):
    # given a published event and a receiver that holds every request without answering
    secret = installation.python(f"URL = {webhook_receiver.url!r}\n" + SEED).split()[-1]
    webhook_receiver.hold()
    worker = installation.start_worker()
    webhook_receiver.wait_for(1)

    # when the worker is killed with SIGKILL while the request is in flight
    installation.kill(worker)
    assert installation.value("SELECT status FROM hooks_webhookdelivery") == "delivering"
    webhook_receiver.release()

    # and a new worker starts
    installation.start_worker()

    # then the delivery is sent again and completes
    installation.wait_for(
        "SELECT status FROM hooks_webhookdelivery", lambda s: s == "delivered", what="delivery", timeout=90
    )
    first, second = webhook_receiver.received
    [(event_id, attempts)] = installation.query("SELECT event_id, attempts FROM hooks_webhookdelivery")
    assert first.headers["X-Cxloop-Delivery"] == second.headers["X-Cxloop-Delivery"]
    assert first.headers["X-Cxloop-Delivery"].replace("-", "") == str(event_id).replace("-", "")
    assert first.body == second.body
    assert json.loads(second.body)["data"] == {"order": 1001}
    for request in (first, second):
        timestamp = int(request.headers["X-Cxloop-Timestamp"])
        assert is_valid(secret, timestamp, request.body, request.headers["X-Cxloop-Signature"])
    assert attempts == 2
    assert len(webhook_receiver.received) == 2
