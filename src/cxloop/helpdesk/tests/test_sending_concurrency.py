"""Two workers sending replies at once on PostgreSQL: each takes what the other does not hold."""

import threading

import pytest
from django.db import connection, transaction

from cxloop.helpdesk.models import Message
from cxloop.helpdesk.services import conversations as services
from cxloop.helpdesk.services.sending import deliver_reply

from .factories import open_conversation

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite lets one writer in at a time: no two at once"
)


@pytest.mark.django_db(transaction=True)
def test_a_worker_passes_over_a_reply_another_worker_holds_instead_of_waiting_for_it(store, agent):
    # given two queued replies; another worker holds the second (it is claiming it in its transaction)
    first_conversation, _m = open_conversation(store, subject="First")
    second_conversation, _m = open_conversation(store, subject="Second")
    first = services.reply(conversation=first_conversation, author=agent, text="On its way.")
    second = services.reply(conversation=second_conversation, author=agent, text="On its way too.")
    holding, release = threading.Event(), threading.Event()

    def other_worker():
        try:
            with transaction.atomic():
                list(Message.objects.select_for_update().filter(pk=second.pk))
                holding.set()
                release.wait(20)
        finally:
            connection.close()

    results = []

    def this_worker():
        try:
            results.append(deliver_reply(message_id=first.pk))
        finally:
            connection.close()

    other = threading.Thread(target=other_worker)
    other.start()
    assert holding.wait(10)

    # when this worker sends its reply meanwhile
    worker = threading.Thread(target=this_worker)
    worker.start()
    worker.join(10)  # it must not wait for the other worker's transaction
    finished_while_held = not worker.is_alive()
    release.set()
    other.join(10)
    worker.join(10)

    # then it sent its own reply and left the held one to its holder
    assert finished_while_held
    assert results == ["sent"]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.delivery, second.delivery) == ("sent", "queued")
