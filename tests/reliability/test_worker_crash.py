"""Background work survives a kill -9 of the worker (DESIGN.md, Guarantees).

A real `cxloop worker` on a SQLite file runs the work; it is killed with
SIGKILL mid-task, a new worker is started, and the work must complete, once:
the task cut off is queued again when the dead worker's lease runs out, work
committed whose task never reached the queue is swept up, and an invitation
cut off mid-SMTP is sent again (at least once) with the same Message-ID.
Each wait polls the database with a bounded deadline.
"""

import logging

import pytest

from cxloop.testing.smtp import SmtpServer

SEED = """
from django.utils import timezone
from cxloop.core import services as core_services
from cxloop.commerce.models import Customer
from cxloop.surveys.tests.factories import make_survey
store, _ = core_services.create_store(name="Crash Shop", currency="EUR", slug="crash-shop")
survey = make_survey(store)
now = timezone.now()
Customer.objects.bulk_create(
    Customer(store=store, email=f"c{i}@example.com", email_key=f"c{i}@example.com", first_name="C",
             language="en", email_consent="subscribed", created_at=now, updated_at=now)
    for i in range(CUSTOMERS)
)
"""


def seed(customers: int) -> str:
    return f"CUSTOMERS = {customers}\n" + SEED


@pytest.fixture
def smtp():
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command at INFO
    server = SmtpServer().start()
    try:
        yield server
    finally:
        server.release_held()
        server.stop()


def use_smtp(installation, smtp):
    installation.env.update(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST=smtp.host,
        EMAIL_PORT=str(smtp.port),
        EMAIL_TIMEOUT="10",
    )


def message_ids(smtp) -> list[str]:
    return [message["Message-ID"] for message in smtp.messages]


def test_a_manual_send_cut_off_by_kill_9_resumes_and_invites_everyone_once(installation, smtp):
    # given a manual send to 1,500 customers, running in a real worker (enough that inviting
    # them, one transaction each, outlasts the test's polling on a busy machine)
    use_smtp(installation, smtp)
    total = 1500
    installation.python(
        seed(total)
        + "from cxloop.surveys.services.sends import start_manual_send\n"
        + "start_manual_send(survey=survey, filters={}, inline_limit=0)\n"
    )
    worker = installation.start_worker()

    # when the worker is killed with SIGKILL mid-send (the write lock freezes it mid-task)
    lock, _processed = installation.freeze_when("SELECT processed FROM surveys_manualsend", lambda n: n >= 20)
    processed = installation.value("SELECT processed FROM surveys_manualsend")
    installation.kill(worker)
    lock.rollback()
    lock.close()
    assert 0 < processed < total
    running = "SELECT COUNT(*) FROM django_tasks_database_dbtaskresult WHERE status = 'RUNNING'"
    assert installation.value(running) == 1  # the cut-off task, stranded

    # and a new worker starts
    installation.start_worker()

    # then the send finishes, every customer invited and emailed exactly once
    installation.wait_for(
        "SELECT status FROM surveys_manualsend", lambda s: s == "done", what="manual send", timeout=90
    )
    installation.wait_for(
        "SELECT COUNT(*) FROM surveys_invitation WHERE status = 'sent'",
        lambda n: n == total,
        what="invitations sent",
        timeout=90,
    )
    assert installation.query("SELECT processed, queued FROM surveys_manualsend") == [(total, total)]
    assert installation.value("SELECT COUNT(DISTINCT customer_id) FROM surveys_invitation") == total
    assert installation.value("SELECT COUNT(*) FROM surveys_invitation") == total
    assert installation.value("SELECT COUNT(*) FROM flows_contact") == total
    assert len(smtp.received) == total
    assert len(set(message_ids(smtp))) == total
    assert installation.value(running) == 0


def test_work_committed_but_never_enqueued_is_swept_up_after_a_restart(installation, smtp):
    # given an invitation, a manual send and an import job committed an hour ago whose
    # process died before enqueuing their tasks (no task row for any of them)
    use_smtp(installation, smtp)
    installation.python(
        seed(3)
        + """
import io
from datetime import timedelta
from django_tasks_db.models import DBTaskResult
from cxloop.commerce.imports import jobs
from cxloop.commerce.models import ImportJob
from cxloop.surveys import services
from cxloop.surveys.models import Invitation, ManualSend
from cxloop.surveys.services.sends import start_manual_send
first, *others = Customer.objects.order_by("pk")
services.invite_customer(survey=survey, customer=first)
other_survey = make_survey(store, kind="csat")
start_manual_send(survey=other_survey, customer_ids=[c.pk for c in others], inline_limit=0)
csv = "First Name,Last Name,Email,Accepts Email Marketing\\nEwa,Nowak,ewa@example.com,yes\\n"
jobs.queue_import(store=store, kind="shopify_customers", file=io.BytesIO(csv.encode()),
                  file_name="customers_export.csv", actor=None)
DBTaskResult.objects.all().delete()
hour_ago = timezone.now() - timedelta(hours=1)
Invitation.objects.update(created_at=hour_ago, send_after=hour_ago)
ManualSend.objects.update(created_at=hour_ago)
ImportJob.objects.update(created_at=hour_ago)
"""
    )
    assert installation.value("SELECT COUNT(*) FROM django_tasks_database_dbtaskresult") == 0

    # when a worker starts
    installation.start_worker()

    # then each piece of work completes
    installation.wait_for(
        "SELECT COUNT(*) FROM surveys_invitation WHERE status = 'sent'", lambda n: n == 3, what="sent"
    )
    installation.wait_for("SELECT status FROM surveys_manualsend", lambda s: s == "done", what="send")
    installation.wait_for("SELECT status FROM commerce_importjob", lambda s: s == "done", what="import")
    assert installation.value("SELECT COUNT(*) FROM commerce_customer WHERE email = 'ewa@example.com'") == 1
    assert len(smtp.received) == 3
    assert len(set(message_ids(smtp))) == 3


def test_an_invitation_cut_off_mid_smtp_is_sent_again_with_the_same_message_id(installation, smtp):
    # given one invitation whose message the SMTP server will hold without answering
    use_smtp(installation, smtp)
    installation.python(
        seed(1)
        + "from cxloop.surveys import services\n"
        + "services.invite_customer(survey=survey, customer=Customer.objects.get())\n"
    )
    smtp.hold_next()
    worker = installation.start_worker()
    assert smtp.held.wait(timeout=60), "the worker never reached the end of DATA"

    # when the worker is killed while waiting for the server's answer
    installation.kill(worker)
    assert installation.value("SELECT status FROM surveys_invitation") == "sending"
    smtp.release_held()
    installation.start_worker()

    # then the invitation is sent again (at least once), the copy recognisably the same message
    installation.wait_for("SELECT status FROM surveys_invitation", lambda s: s == "sent", what="invitation")
    [(message_id, attempts)] = installation.query("SELECT message_id, attempts FROM surveys_invitation")
    assert message_ids(smtp) == [message_id]
    assert attempts == 2
    assert installation.value("SELECT COUNT(*) FROM flows_contact") == 1  # still reserved: it was sent


def test_with_two_workers_on_postgresql_the_live_one_finishes_the_dead_ones_task_and_keeps_its_own(
    postgres_installation,
):
    # given two workers on PostgreSQL, each running a manual send of 200 customers
    installation = postgres_installation
    installation.env["EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"
    installation.python(
        seed(400)
        + """
from cxloop.surveys.services.sends import start_manual_send
ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
start_manual_send(survey=survey, customer_ids=ids[:200], inline_limit=0)
start_manual_send(survey=survey, customer_ids=ids[200:], inline_limit=0)
"""
    )
    workers = {name: installation.start_worker(name) for name in ("worker-a", "worker-b")}
    both_running = "SELECT COUNT(*) FROM surveys_manualsend WHERE processed >= 5"
    installation.wait_for(both_running, lambda n: n == 2, what="both sends running")

    # when one worker is killed mid-send (sends frozen by a table lock at that moment)
    lock = installation.write_lock("surveys_manualsend")
    [(name,)] = installation.query(
        "SELECT worker_ids ->> 0 FROM django_tasks_database_dbtaskresult"
        " WHERE status = 'RUNNING' AND task_path LIKE '%run_manual_send_task' ORDER BY enqueued_at LIMIT 1"
    )
    installation.kill(workers[name])
    lock.rollback()
    lock.close()

    # then, with no restart, the live worker takes the lost send over after the lease and both finish
    installation.wait_for(
        "SELECT COUNT(*) FROM surveys_manualsend WHERE status = 'done'", lambda n: n == 2, what="sends"
    )
    assert installation.query("SELECT processed, queued FROM surveys_manualsend ORDER BY id") == [
        (200, 200),
        (200, 200),
    ]
    assert installation.value("SELECT COUNT(DISTINCT customer_id) FROM surveys_invitation") == 400
    assert installation.value("SELECT COUNT(*) FROM surveys_invitation") == 400
    # the lost send ran on two workers; the live worker's own send was never taken from it
    attempts = installation.query(
        "SELECT jsonb_array_length(worker_ids) FROM django_tasks_database_dbtaskresult"
        " WHERE task_path LIKE '%run_manual_send_task' ORDER BY enqueued_at"
    )
    assert sorted(attempts) == [(1,), (2,)]
