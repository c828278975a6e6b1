"""Sending invitations end to end: the task, a real SMTP server, the received email, its links.

Every test here talks SMTP to an aiosmtpd server started for the test
(`smtp_server`) and runs background tasks through the database queue
(`task_worker`), so retries wait for their `run_after` like in production.
"""

import socket
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db.models import F
from django.test import Client
from django.utils import timezone

from cxloop.commerce import services as commerce_services
from cxloop.commerce.models import Customer
from cxloop.flows import services as flows_services
from cxloop.flows.models import Contact, Suppression
from cxloop.surveys import emails, services, tasks
from cxloop.surveys.models import Invitation, Response
from cxloop.surveys.services import delivery

from .factories import make_customer, make_survey

PUBLIC_URL = "https://cx.example.com"
POLISH = {
    "email_subject": "Sklep Ania prosi o Twoją opinię",
    "email_intro": "Dziękujemy za zakupy w Sklep Ania. Odpowiesz na jedno krótkie pytanie?",
    "question": "Jak bardzo prawdopodobne jest, że polecisz Sklep Ania znajomemu?",
    "scale_low_label": "Zupełnie nieprawdopodobne",
    "scale_high_label": "Bardzo prawdopodobne",
}
PERSIAN = {
    "email_subject": "نظر شما برای Sklep Ania مهم است",
    "email_intro": "از خرید شما سپاسگزاریم. به یک پرسش کوتاه پاسخ می‌دهید؟",
    "question": "چقدر احتمال دارد Sklep Ania را به یک دوست پیشنهاد کنید؟",
    "scale_low_label": "اصلاً",
    "scale_high_label": "حتماً",
}


@pytest.fixture(autouse=True)
def public_address(settings):
    settings.CXLOOP_PUBLIC_URL = PUBLIC_URL
    settings.DEFAULT_FROM_EMAIL = "Ankiety <ankiety@cx.example.com>"


class Links(HTMLParser):
    """The links of an HTML document, and whether a radio button is checked per value."""

    def __init__(self, html: str):
        super().__init__()
        self.hrefs: list[str] = []
        self.checked: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])
        if tag == "input" and attrs.get("type") == "radio" and "checked" in attrs:
            self.checked.append(attrs.get("value"))


def score_links(html: str) -> dict[int, str]:
    links = [href for href in Links(html).hrefs if "score=" in href]
    return {int(parse_qs(urlsplit(href).query)["score"][0]): href for href in links}


def invite(task_worker, survey, customer) -> Invitation:
    with task_worker.committing():
        return services.invite_customer(survey=survey, customer=customer)


@pytest.fixture
def clock(time_machine):
    """Time stands still until the test moves it (clock.shift(seconds))."""
    time_machine.move_to(timezone.now(), tick=False)
    return time_machine


def test_polish_customer_gets_the_scale_in_the_email_and_a_score_counts_only_when_sent(
    store, smtp_server, task_worker
):
    # given a Polish-speaking customer invited to an NPS survey
    survey = make_survey(store, texts={"pl": POLISH})
    invitation = invite(task_worker, survey, make_customer(store, first_name="Ania", language="pl"))

    # when the worker runs the send task
    assert task_worker.run_ready() == ["sent"]

    # then the server received one message, in Polish, with the one-click headers
    [received] = smtp_server.received
    message = received.message
    invitation.refresh_from_db()
    assert received.rcpt_tos == ["ania@example.pl"]
    assert message["To"] == "ania@example.pl"
    assert message["Subject"] == "Sklep Ania prosi o Twoją opinię"
    assert (message["From"].addresses[0].display_name, message["From"].addresses[0].addr_spec) == (
        "Sklep Ania", "ankiety@cx.example.com",
    )  # fmt: skip
    assert message["Message-ID"] == invitation.message_id == emails.message_id(invitation)
    unsubscribe = message["List-Unsubscribe"].strip()  # folded onto its own line: too long for one
    assert unsubscribe.startswith(f"<{PUBLIC_URL}/u/") and unsubscribe.endswith("/>")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # and both parts carry the greeting, the question and the eleven score links 0..10
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    links = score_links(html)
    assert list(links) == list(range(11))
    assert {urlsplit(url).path for url in links.values()} == {urlsplit(links[0]).path}
    assert all(url.startswith(f"{PUBLIC_URL}/s/") for url in links.values())
    assert all(url in text for url in links.values())
    assert "Ania," in text and "Ania," in html
    assert POLISH["question"] in text and POLISH["question"] in html
    assert unsubscribe[1:-1] in text and unsubscribe[1:-1] in html
    assert 'lang="pl"' in html and 'dir="ltr"' in html

    # when the customer follows the score-9 link: the page shows 9 chosen, nothing is recorded
    client = Client()
    path = urlsplit(links[9]).path
    page = client.get(f"{path}?score=9")
    assert page.status_code == 200
    assert Links(page.content.decode()).checked == ["9"]
    assert Response.objects.count() == 0

    # when they send the page (twice: a double click)
    first = client.post(path, {"score": "9", "comment": ""})
    second = client.post(path, {"score": "9", "comment": ""})

    # then 9 is recorded once
    assert (first.status_code, second.status_code) == (302, 302)
    assert list(Response.objects.values_list("invitation_id", "score", "language")) == [
        (invitation.pk, 9, "pl")
    ]


def test_a_refused_send_is_queued_again_and_then_sent_exactly_once(store, smtp_server, task_worker, clock):
    # given the SMTP server refuses the first attempt
    smtp_server.refuse_next(1, code=451, text="4.3.0 Mailbox busy, try again")
    invitation = invite(task_worker, make_survey(store), make_customer(store))

    # when the task runs
    assert task_worker.run_ready() == ["queued"]

    # then the invitation waits for a retry, with the server's answer, and nothing was received
    invitation.refresh_from_db()
    assert (invitation.status, invitation.attempts) == ("queued", 1)
    assert invitation.last_error.startswith("SMTPDataError: (451, b'4.3.0 Mailbox busy, try again')")
    assert smtp_server.received == []
    assert invitation.send_after == timezone.now() + timedelta(seconds=60)
    assert task_worker.ready() == []  # not before its run_after

    # when the retry's time comes
    clock.shift(60)
    assert task_worker.run_ready() == ["sent"]

    # then it was sent once, and running the task again sends nothing
    invitation.refresh_from_db()
    assert (invitation.status, invitation.attempts, invitation.last_error) == ("sent", 2, "")
    assert tasks.send_invitation_task.call(invitation.pk) == "sent"
    assert len(smtp_server.received) == 1
    assert smtp_server.messages[0]["Message-ID"] == invitation.message_id


def test_a_task_run_before_the_retrys_time_sends_nothing_early(store, smtp_server, task_worker, clock):
    # given a refused first attempt, and the first task delivered twice by the queue
    smtp_server.refuse_next(1)
    invitation = invite(task_worker, make_survey(store), make_customer(store))
    task_worker.run_ready()

    # when the duplicate runs at once
    assert tasks.send_invitation_task.call(invitation.pk) == "queued"

    # then nothing was sent early; at the retry's time it is sent once
    assert smtp_server.received == []
    clock.shift(60)
    assert sorted(task_worker.run_ready()) == ["sent", "sent"]
    assert len(smtp_server.received) == 1


def test_retries_keep_the_message_id_and_wait_longer_each_time(store, smtp_server, task_worker, clock):
    smtp_server.refuse_next(2, code=421, text="4.7.0 Too many connections")
    invitation = invite(task_worker, make_survey(store), make_customer(store))

    assert task_worker.run_ready() == ["queued"]
    clock.shift(60)
    assert task_worker.run_ready() == ["queued"]
    clock.shift(299)
    assert task_worker.run_ready() == []
    clock.shift(1)
    assert task_worker.run_ready() == ["sent"]

    assert [message["Message-ID"] for message in smtp_server.messages] == [emails.message_id(invitation)]
    assert Invitation.objects.get(pk=invitation.pk).attempts == 3


def test_after_the_last_retry_the_invitation_fails_and_the_contact_is_released(
    store, smtp_server, task_worker, clock
):
    # given the server refuses every attempt
    smtp_server.refuse_next(5, code=554, text="5.3.0 Relay misconfigured")
    customer = make_customer(store)
    invitation = invite(task_worker, make_survey(store), customer)

    # when every retry runs
    statuses = task_worker.run_ready()
    for delay in (60, 300, 1800, 7200):
        clock.shift(delay)
        statuses += task_worker.run_ready()

    # then it failed for good, was never received, and the policy does not count it
    invitation.refresh_from_db()
    assert statuses == ["queued", "queued", "queued", "queued", "failed"]
    assert (invitation.status, invitation.skip_reason, invitation.attempts) == ("failed", "smtp_error", 5)
    assert smtp_server.received == []
    assert Contact.objects.filter(store=store).count() == 0
    again = services.invite_customer(survey=make_survey(store, kind="csat"), customer=customer)
    assert again.status == "queued"


def test_a_recipient_refused_for_good_is_not_retried(store, smtp_server, task_worker):
    smtp_server.refuse_next(1, code=550, text="5.1.1 No such user", stage="rcpt")
    invitation = invite(task_worker, make_survey(store), make_customer(store))

    assert task_worker.run_ready() == ["failed"]

    invitation.refresh_from_db()
    assert (invitation.status, invitation.skip_reason, invitation.attempts) == (
        "failed", "recipient_refused", 1,
    )  # fmt: skip
    assert "5.1.1 No such user" in invitation.last_error
    assert task_worker.ready() == [] and smtp_server.received == []
    assert Contact.objects.filter(store=store).count() == 0


def test_a_mailbox_that_does_not_exist_is_suppressed_as_a_bounce(store, smtp_server, task_worker):
    # given the receiving server says the mailbox does not exist
    smtp_server.refuse_next(1, code=550, text="5.1.1 The email account does not exist", stage="rcpt")
    customer = make_customer(store, email="Nie.Ma@Example.PL")
    invite(task_worker, make_survey(store), customer)

    # when the invitation is sent
    assert task_worker.run_ready() == ["failed"]

    # then the address is suppressed as bounced (not unsubscribed: consent is the customer's) ...
    suppression = Suppression.objects.get(store=store)
    assert suppression.email_digest == Suppression.digest("nie.ma@example.pl")
    assert suppression.reason == "bounced"
    customer.refresh_from_db()
    assert customer.email_consent == "subscribed"
    # ... so the store's next survey does not try it again
    later = invite(task_worker, make_survey(store, kind="csat"), customer)
    assert later.status == "skipped" and later.skip_reason == "suppressed"
    assert smtp_server.received == []


@pytest.mark.parametrize(
    "reply",
    [
        (554, "5.7.1 Relay access denied"),
        (550, "Relaying denied"),
        (553, "5.1.8 Sender address rejected: domain not found"),
    ],
)
def test_a_refusal_that_may_be_the_senders_fault_suppresses_nothing(store, smtp_server, task_worker, reply):
    code, text = reply
    smtp_server.refuse_next(1, code=code, text=text, stage="rcpt")
    invitation = invite(task_worker, make_survey(store), make_customer(store))

    assert task_worker.run_ready() == ["failed"]

    invitation.refresh_from_db()
    assert invitation.skip_reason == "recipient_refused"
    assert Suppression.objects.filter(store=store).count() == 0


def test_an_smtp_server_that_is_down_counts_as_a_failure_to_retry(
    store, smtp_server, task_worker, settings, clock
):
    # given nothing listens where the SMTP server should be
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        settings.EMAIL_PORT = closed.getsockname()[1]
    invitation = invite(task_worker, make_survey(store), make_customer(store))

    assert task_worker.run_ready() == ["queued"]

    invitation.refresh_from_db()
    assert invitation.last_error.startswith("ConnectionRefusedError")
    # when the server is back for the retry
    settings.EMAIL_PORT = smtp_server.port
    clock.shift(60)
    assert task_worker.run_ready() == ["sent"]
    assert len(smtp_server.received) == 1


def lose_worker_mid_send(invitation: Invitation, clock) -> None:
    """A worker claims the invitation's task and the send, then dies (kill -9); its lease runs out."""
    from django_tasks_db.models import DBTaskResult

    from cxloop.core import workers

    workers.register_worker("killed")
    DBTaskResult.objects.get(task_path="cxloop.surveys.tasks.send_invitation_task").claim("killed")
    Invitation.objects.filter(pk=invitation.pk).update(
        status="sending", attempts=F("attempts") + 1, claimed_at=timezone.now()
    )
    clock.shift(61)
    workers.recover_lost_tasks(own_worker_id="new")


def test_a_send_cut_off_by_a_lost_worker_is_sent_again_once_with_the_same_message_id(
    store, smtp_server, task_worker, clock
):
    # given a worker killed mid-send (the message may or may not have left)
    invitation = invite(task_worker, make_survey(store), make_customer(store))
    lose_worker_mid_send(invitation, clock)

    # when a worker runs the task queued again
    assert task_worker.run_ready() == ["sent"]

    # then the invitation was sent (at least once), recognisably the same message, contact kept
    invitation.refresh_from_db()
    assert (invitation.status, invitation.attempts) == ("sent", 2)
    assert [m["Message-ID"] for m in smtp_server.messages] == [emails.message_id(invitation)]
    assert Contact.objects.filter(store=store).count() == 1


def test_a_send_cut_off_on_its_last_attempt_fails_and_releases_the_contact(
    store, smtp_server, task_worker, clock
):
    # given an invitation whose last allowed attempt was cut off by a lost worker
    invitation = invite(task_worker, make_survey(store), make_customer(store))
    Invitation.objects.filter(pk=invitation.pk).update(attempts=len(delivery.RETRY_DELAYS))
    lose_worker_mid_send(invitation, clock)

    # when the task runs again
    assert task_worker.run_ready() == ["failed"]

    # then nothing more is sent, and the customer may be asked again by another survey
    invitation.refresh_from_db()
    assert (invitation.status, invitation.skip_reason) == ("failed", "interrupted")
    assert smtp_server.received == []
    assert Contact.objects.filter(store=store).count() == 0


def test_an_invitation_left_sending_with_no_task_is_resumed_by_the_sweep(
    store, smtp_server, task_worker, clock
):
    # given a send cut off whose task is gone too (failed for good, or never a task: an inline send)
    invitation = invite(task_worker, make_survey(store), make_customer(store))
    task_worker.ready()[0].delete()
    cut_off = {"status": "sending", "attempts": 1, "claimed_at": timezone.now()}
    Invitation.objects.filter(pk=invitation.pk).update(**cut_off)

    # when the periodic sweep runs before and after the stranded time
    clock.shift(30)
    assert services.requeue_stranded_invitations() == 0
    clock.shift(31)
    with task_worker.committing():
        assert services.requeue_stranded_invitations() == 1
    assert services.requeue_stranded_invitations() == 0  # a task waits for it now

    # then it is sent once
    assert task_worker.run_ready() == ["sent"]
    assert len(smtp_server.received) == 1


def test_an_invitation_whose_task_never_reached_the_queue_is_sent_by_the_sweep(
    store, smtp_server, task_worker, clock, django_capture_on_commit_callbacks
):
    # given an invitation committed by a process that died before enqueuing its task
    with django_capture_on_commit_callbacks(execute=False):
        services.invite_customer(survey=make_survey(store), customer=make_customer(store))
    assert task_worker.ready() == []

    # when the periodic sweep runs once the invitation has waited a minute, and again
    clock.shift(61)
    with task_worker.committing():
        found = tasks.requeue_stranded_sends_task.call()
    again = tasks.requeue_stranded_sends_task.call()

    # then one batch task sends it, once
    assert (found, again) == (1, 0)
    assert task_worker.run_ready() == [{"sent": 1}]
    assert len(smtp_server.received) == 1


def test_the_sweep_leaves_alone_invitations_whose_task_waits(store, smtp_server, task_worker, clock):
    # given a queued invitation whose task waits behind a long queue
    invite(task_worker, make_survey(store), make_customer(store))
    clock.shift(3600)

    # when the sweep runs, then it queues no second copy
    assert services.requeue_stranded_invitations() == 0
    assert len(task_worker.ready()) == 1


def test_persian_customer_gets_a_right_to_left_email_in_persian(store, smtp_server, task_worker):
    survey = make_survey(store, texts={"fa": PERSIAN})
    invite(
        task_worker, survey, make_customer(store, email="sara@example.ir", first_name="سارا", language="fa")
    )

    task_worker.run_ready()

    [message] = smtp_server.messages
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    assert message["Subject"].strip() == PERSIAN["email_subject"]
    assert '<html lang="fa" dir="rtl">' in html
    assert PERSIAN["question"] in html and PERSIAN["question"] in text
    assert "سارا" in html
    # the scale is laid out right to left (0 at the right), numbered in Persian digits, linked by ASCII scores
    assert 'dir="rtl" style="table-layout:fixed;"' in html
    assert list(score_links(html)) == list(range(11))
    assert ">۰</a>" in html and ">۱۰</a>" in html and ">10</a>" not in html


def test_an_address_unsubscribed_after_queueing_is_skipped_at_send_time(store, smtp_server, task_worker):
    # given an invitation waiting in the queue
    invitation = invite(task_worker, make_survey(store), make_customer(store))
    # when the address unsubscribes before the worker gets to it
    flows_services.unsubscribe(store=store, email="Ania@Example.pl", source="test")
    statuses = task_worker.run_ready()
    # then nothing is sent and the contact no longer counts
    invitation.refresh_from_db()
    assert statuses == ["skipped"]
    assert (invitation.status, invitation.skip_reason) == ("skipped", "suppressed")
    assert smtp_server.received == []
    assert Contact.objects.filter(store=store).count() == 0


def test_a_customer_who_withdrew_consent_after_queueing_is_skipped(store, smtp_server, task_worker):
    customer = make_customer(store)
    invitation = invite(task_worker, make_survey(store), customer)
    commerce_services.record_consent(
        customer=customer, state=Customer.Consent.UNSUBSCRIBED, occurred_at=timezone.now(), source="shopify"
    )

    task_worker.run_ready()

    invitation.refresh_from_db()
    assert (invitation.status, invitation.skip_reason) == ("skipped", "no_consent")
    assert smtp_server.received == []


def test_an_invitation_of_a_survey_closed_meanwhile_is_skipped(store, smtp_server, task_worker):
    invitation = invite(task_worker, make_survey(store), make_customer(store))
    services.close_survey(survey=invitation.survey)

    task_worker.run_ready()

    invitation.refresh_from_db()
    assert (invitation.status, invitation.skip_reason) == ("skipped", "survey_closed")
    assert smtp_server.received == []
