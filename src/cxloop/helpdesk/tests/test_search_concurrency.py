"""Two messages added to one conversation at once: each one's words stay findable."""

import threading
import time

import pytest
from django.db import connection, transaction

from cxloop.helpdesk import queries
from cxloop.helpdesk.services import conversations as services

from .factories import open_conversation

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite lets one writer in at a time: no two at once"
)


def found(store, search) -> list[int]:
    chosen = queries.InboxFilter(status="", search=search)
    return [c.number for c in queries.list_conversations(store, chosen, None)]


def _wait_for_a_blocked_backend(seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.05)
    return False


@pytest.mark.django_db(transaction=True)
def test_a_note_written_while_another_is_being_saved_keeps_both_findable(store, agent):
    conversation, _m = open_conversation(store, text="Hello")
    first_written, release_first = threading.Event(), threading.Event()
    errors = []

    def first():
        try:
            with transaction.atomic():
                services.add_note(conversation=conversation, author=agent, text="Pierwsza notatka: kurtka")
                first_written.set()
                release_first.wait(10)
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    def second():
        try:
            services.add_note(conversation=conversation, author=agent, text="Druga notatka: płaszcz")
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    # given: the first note is written, not yet committed
    one = threading.Thread(target=first)
    one.start()
    assert first_written.wait(10)
    # when: the second note is written meanwhile (it waits for the first), then the first commits
    two = threading.Thread(target=second)
    two.start()
    assert _wait_for_a_blocked_backend()
    release_first.set()
    one.join(10)
    two.join(10)
    # then
    assert errors == []
    assert found(store, "kurtka") == [conversation.number]
    assert found(store, "plaszcz") == [conversation.number]
