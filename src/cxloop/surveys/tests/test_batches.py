"""Sending invitations in batches (services.batches) to a real SMTP server.

A batch is claimed in one statement, sent over one connection and recorded
in one transaction; these tests check that nobody is emailed twice or lost
when part of the batch goes wrong, and when two workers run the same batch.
"""

import threading

import pytest
from django.db import connection, connections
from django_tasks_db.models import DBTaskResult

from cxloop.flows import services as flows_services
from cxloop.flows.models import Contact
from cxloop.surveys import services, tasks
from cxloop.surveys.models import Invitation

from .factories import make_customer, make_survey


@pytest.fixture(autouse=True)
def public_address(settings):
    settings.CXLOOP_PUBLIC_URL = "https://cx.example.com"


def queue_invitations(store, count: int) -> list[Invitation]:
    survey = make_survey(store)
    customers = [make_customer(store, email=f"c{n}@example.com") for n in range(count)]
    return [services.invite_customer(survey=survey, customer=c, enqueue=False) for c in customers]


def statuses(invitations) -> list[tuple[str, str]]:
    by_pk = {
        i.pk: (i.status, i.skip_reason) for i in Invitation.objects.filter(pk__in=[i.pk for i in invitations])
    }
    return [by_pk[invitation.pk] for invitation in invitations]


def received_recipients(smtp_server) -> list[str]:
    return [message["To"] for message in smtp_server.messages]


@pytest.mark.django_db
def test_a_batch_goes_out_over_one_connection_each_message_once(store, smtp_server):
    invitations = queue_invitations(store, 5)

    counts = tasks.send_invitations_task.call([i.pk for i in invitations])

    assert counts == {"sent": 5}
    assert statuses(invitations) == [("sent", "")] * 5
    assert sorted(received_recipients(smtp_server)) == [f"c{n}@example.com" for n in range(5)]
    assert smtp_server.greetings == 1
    recorded = set(Invitation.objects.values_list("message_id", flat=True))
    assert recorded == {message["Message-ID"] for message in smtp_server.messages}
    assert len(recorded) == 5


@pytest.mark.django_db
def test_a_recipient_refused_mid_batch_fails_alone_and_the_others_are_sent_once(store, smtp_server):
    # given a batch of five whose third recipient the server refuses for good
    invitations = queue_invitations(store, 5)
    smtp_server.refuse_next(1, code=550, text="5.1.1 No such user", stage="rcpt", after=2)

    # when the batch is sent, and the task runs again (a duplicate delivery by the queue)
    first = tasks.send_invitations_task.call([i.pk for i in invitations])
    again = tasks.send_invitations_task.call([i.pk for i in invitations])

    # then the four others went out once each, the third is failed and its contact released
    assert first == {"sent": 4, "failed": 1}
    assert again == {"sent": 4, "failed": 1}
    expected = [("sent", "")] * 2 + [("failed", "recipient_refused")] + [("sent", "")] * 2
    assert statuses(invitations) == expected
    assert sorted(received_recipients(smtp_server)) == ["c0@example.com", "c1@example.com",
                                                        "c3@example.com", "c4@example.com"]  # fmt: skip
    assert not Contact.objects.filter(reference=f"survey-invitation:{invitations[2].nonce}").exists()


@pytest.mark.django_db
def test_a_message_refused_for_now_mid_batch_is_queued_again_alone(store, smtp_server, task_worker):
    # given a batch of four whose second message the server answers "try again later"
    invitations = queue_invitations(store, 4)
    smtp_server.refuse_next(1, code=451, text="4.3.0 Mailbox busy", after=1)

    # when the batch is sent
    counts = tasks.send_invitations_task.call([i.pk for i in invitations])

    # then the three others are sent, the second waits for its retry with its own task
    assert counts == {"sent": 3, "queued": 1}
    assert [status for status, _ in statuses(invitations)] == ["sent", "queued", "sent", "sent"]
    assert len(smtp_server.messages) == 3
    assert task_worker.ready() == []  # the retry waits for its time, in a task of its own
    retries = DBTaskResult.objects.filter(task_path="cxloop.surveys.tasks.send_invitation_task")
    assert [row.args_kwargs["args"] for row in retries] == [[invitations[1].pk]]


@pytest.mark.django_db
def test_unsubscribed_and_withdrawn_customers_in_a_batch_are_skipped(store, smtp_server):
    # given a batch of four: one address unsubscribed and one customer withdrew consent since queueing
    invitations = queue_invitations(store, 4)
    flows_services.unsubscribe(store=store, email="C1@Example.com ", source="test")
    invitations[2].customer.email_consent = "unsubscribed"
    invitations[2].customer.save(update_fields=["email_consent"])

    # when the batch is sent
    counts = tasks.send_invitations_task.call([i.pk for i in invitations])

    # then only the other two are emailed, and the skipped ones no longer count as contacts
    assert counts == {"sent": 2, "skipped": 2}
    assert statuses(invitations) == [("sent", ""), ("skipped", "suppressed"), ("skipped", "no_consent"),
                                     ("sent", "")]  # fmt: skip
    assert sorted(received_recipients(smtp_server)) == ["c0@example.com", "c3@example.com"]
    assert Contact.objects.filter(store=store).count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_workers_running_the_same_batch_at_once_send_each_invitation_once(store, smtp_server):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent workers need PostgreSQL (SQLite runs a single worker)")
    # given 40 queued invitations, and the same batch task delivered to two workers
    invitations = queue_invitations(store, 40)
    ids = [i.pk for i in invitations]
    start = threading.Barrier(2, timeout=60)
    results, errors = [], []

    def worker():
        try:
            start.wait()
            results.append(services.deliver_invitations(invitation_ids=ids))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    # when both run it at the same moment
    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then every invitation was sent by exactly one of them, once
    assert errors == []
    sent_by = [{pk for pk, status in result.items() if status == "sent"} for result in results]
    assert sent_by[0].isdisjoint(sent_by[1])
    assert sent_by[0] | sent_by[1] == set(ids)
    assert len(smtp_server.messages) == 40
    assert len({message["Message-ID"] for message in smtp_server.messages}) == 40
    assert statuses(invitations) == [("sent", "")] * 40
