"""The development outbox: mail kept by OutboxBackend, shown to staff only, and only in development."""

import io
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from cxloop.core import formats
from cxloop.core.models import OutboxMessage
from cxloop.testing.processes import installation  # noqa: F401 (a fixture: real processes)
from cxloop.web.outbox import OUTBOX_PER_PAGE

pytestmark = pytest.mark.django_db

OUTBOX = "cxloop.core.mail_outbox.OutboxBackend"
SURVEY_LINK = "http://127.0.0.1:8000/s/abc123/"
HOSTILE_HTML = (
    "<html><body><p>How likely are you to recommend us?</p>"
    f'<a href="{SURVEY_LINK}">10</a>'
    "<script>document.title = 'ran'; fetch('/team/');</script>"
    '<img src="x" onerror="alert(1)"></body></html>'
)


def send(subject="Your opinion, please", to="ania@example.com", *, html=HOSTILE_HTML, printed=None):
    """Send one message through the outbox backend, as the demo's processes do."""
    message = EmailMultiAlternatives(
        subject=subject,
        body=f"How likely are you to recommend us? Answer here: {SURVEY_LINK}",
        from_email="shop@example.com",
        to=[to],
    )
    if html:
        message.attach_alternative(html, "text/html")
    connection = get_connection(OUTBOX, stream=printed if printed is not None else io.StringIO())
    assert connection.send_messages([message]) == 1
    return OutboxMessage.objects.order_by("-pk").first()


outbox_on = override_settings(CXLOOP_DEV_OUTBOX=True, DEBUG=False)
outbox_off = override_settings(CXLOOP_DEV_OUTBOX=False, DEBUG=False)


# The backend.


def test_backend_keeps_the_message_and_prints_it_like_the_console():
    printed = io.StringIO()

    kept = send(printed=printed)

    assert kept.subject == "Your opinion, please"
    assert kept.to == "ania@example.com"
    assert kept.from_email == "shop@example.com"
    assert SURVEY_LINK in kept.text_body
    assert kept.html_body == HOSTILE_HTML
    assert "Subject: Your opinion, please" in kept.raw
    assert "Subject: Your opinion, please" in printed.getvalue()


def kept_subjects() -> list[str]:
    return list(OutboxMessage.objects.order_by("-pk").values_list("subject", flat=True))


def test_the_outbox_keeps_only_its_newest_messages(settings):
    settings.CXLOOP_OUTBOX_KEEP = 3

    for number in range(1, 6):
        send(subject=f"Message {number}")

    assert kept_subjects() == ["Message 5", "Message 4", "Message 3"]


def test_the_outbox_forgets_messages_older_than_its_days(settings):
    settings.CXLOOP_OUTBOX_KEEP_DAYS = 14
    now = datetime.now(UTC)
    for subject, days_ago in [("Fifteen days old", 15), ("Thirteen days old", 13)]:
        with time_machine.travel(now - timedelta(days=days_ago), tick=False):
            send(subject=subject)

    with time_machine.travel(now, tick=False):
        send(subject="New")

    assert kept_subjects() == ["New", "Thirteen days old"]


def test_mail_sent_by_another_process_with_debug_lands_in_the_outbox_table(installation):  # noqa: F811
    # Given the demo's settings (DEBUG=1, no EMAIL_BACKEND) and a store
    installation.python(
        "from cxloop.core import services; services.create_store(name='Demo', currency='EUR', slug='demo')"
    )

    # When the command line (a process of its own, as the worker is) sends a team invitation
    printed = installation.cxloop("member", "invite", "new@example.com", "--store", "demo", "--role", "agent")

    # Then it is printed as before, and kept in the shared database for the outbox page
    assert "new@example.com" in printed
    rows = installation.query('SELECT "to", html_body FROM core_outboxmessage')
    assert [to for to, _html in rows] == ["new@example.com"]


# The pages.


@outbox_on
def test_staff_see_a_sent_message_listed_and_can_read_both_parts(staff_client):
    kept = send()

    listing = staff_client.get(reverse("web:outbox"))
    message = staff_client.get(reverse("web:outbox-message", args=[kept.pk]))

    assert listing.status_code == 200
    assert "Your opinion, please" in listing.content.decode()
    assert "ania@example.com" in listing.content.decode()
    assert reverse("web:outbox-message", args=[kept.pk]) in listing.content.decode()
    html = message.content.decode()
    assert message.status_code == 200
    assert f'<a href="{SURVEY_LINK}"' in html  # the text part's link is clickable
    assert reverse("web:outbox-message-html", args=[kept.pk]) in html


@outbox_on
def test_outbox_lists_newest_first_in_pages_with_times_in_the_store_time_zone(store, staff_client):
    store.timezone = "Asia/Tokyo"
    store.save()
    sent_at = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    with time_machine.travel(sent_at, tick=False):
        for number in range(OUTBOX_PER_PAGE + 1):
            send(subject=f"Message {number:03d}", html="")

    first = staff_client.get(reverse("web:outbox")).content.decode()
    second = staff_client.get(reverse("web:outbox"), {"page": 2}).content.decode()

    subjects = re.findall(r"Message \d{3}", first)
    assert subjects[0] == f"Message {OUTBOX_PER_PAGE:03d}" and len(subjects) == OUTBOX_PER_PAGE
    assert re.findall(r"Message \d{3}", second) == ["Message 000"]
    with timezone.override(ZoneInfo("Asia/Tokyo")):
        tokyo = formats.datetime_text(sent_at)
    assert tokyo == "Jan 2, 2026, 12:04\u202fPM"
    assert tokyo in first
    assert "?page=2" in first


@outbox_on
def test_anonymous_visitors_are_sent_to_sign_in_and_see_no_mail():
    kept = send()

    for url in (
        reverse("web:outbox"),
        reverse("web:outbox-message", args=[kept.pk]),
        reverse("web:outbox-message-html", args=[kept.pk]),
    ):
        response = Client().get(url)
        assert response.status_code == 302 and reverse("web:login") in response["Location"]


@outbox_on
def test_a_signed_in_user_who_is_no_stores_member_sees_no_mail():
    kept = send()
    stranger = get_user_model().objects.create_user("stranger", "stranger@example.com", "pw-stranger-42")
    client = Client()
    client.force_login(stranger)

    for url in (
        reverse("web:outbox"),
        reverse("web:outbox-message", args=[kept.pk]),
        reverse("web:outbox-message-html", args=[kept.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 403
        assert "Your opinion, please" not in response.content.decode()
        assert "How likely" not in response.content.decode()


@outbox_on
def test_agents_see_no_mail_and_no_link_since_the_outbox_holds_everyones_reset_links(agent_client):
    kept = send()

    for url in (
        reverse("web:outbox"),
        reverse("web:outbox-message", args=[kept.pk]),
        reverse("web:outbox-message-html", args=[kept.pk]),
    ):
        response = agent_client.get(url)
        assert response.status_code == 403
        assert "Your opinion, please" not in response.content.decode()
    assert reverse("web:outbox") not in agent_client.get(reverse("web:overview")).content.decode()


@outbox_off
def test_with_the_outbox_off_every_outbox_page_is_a_404_and_the_link_is_gone(staff_client):
    kept = send()

    for url in (
        reverse("web:outbox"),
        reverse("web:outbox-message", args=[kept.pk]),
        reverse("web:outbox-message-html", args=[kept.pk]),
    ):
        assert staff_client.get(url).status_code == 404
        assert staff_client.post(url).status_code == 404
    assert reverse("web:outbox") not in staff_client.get(reverse("web:overview")).content.decode()


@outbox_on
def test_staff_navigation_links_the_outbox_in_development(staff_client):
    assert reverse("web:outbox") in staff_client.get(reverse("web:overview")).content.decode()


@override_settings(DEBUG=True, CXLOOP_DEV_OUTBOX=False)
def test_debug_alone_turns_the_outbox_page_on(staff_client):
    assert staff_client.get(reverse("web:outbox")).status_code == 200


@outbox_on
def test_email_html_is_framed_in_a_sandbox_and_never_runs_script(staff_client):
    kept = send()

    page = staff_client.get(reverse("web:outbox-message", args=[kept.pk])).content.decode()
    framed = staff_client.get(reverse("web:outbox-message-html", args=[kept.pk]))

    # The staff page frames the HTML part in a sandbox without scripts, and never inlines it
    frame = re.search(r"<iframe[^>]*>", page).group(0)
    assert re.search(r'\ssandbox="[^"]*"', frame)
    assert "allow-scripts" not in frame and "allow-same-origin" not in frame
    assert "document.title" not in page and "onerror" not in page
    # The framed document carries a CSP sandbox with no script source, and only same-origin framing
    csp = framed["Content-Security-Policy"]
    directives = [d.strip() for d in csp.split(";")]
    assert directives[0].startswith("sandbox") and "allow-scripts" not in directives[0]
    assert "allow-same-origin" not in directives[0]
    assert "script-src 'none'" in directives and "default-src 'none'" in directives
    assert "frame-ancestors 'self'" in directives
    assert framed["X-Frame-Options"] == "SAMEORIGIN"
    assert framed["Content-Type"].startswith("text/html")
    assert framed.content.decode().endswith(HOSTILE_HTML)


@outbox_on
def test_a_message_without_html_shows_only_its_text_part(staff_client):
    kept = send(html="")

    page = staff_client.get(reverse("web:outbox-message", args=[kept.pk])).content.decode()

    assert "<iframe" not in page
    assert SURVEY_LINK in page
    assert staff_client.get(reverse("web:outbox-message-html", args=[kept.pk])).status_code == 404


@outbox_on
def test_an_unknown_message_is_a_404(staff_client):
    assert staff_client.get(reverse("web:outbox-message", args=[987654])).status_code == 404


@outbox_on
@pytest.mark.parametrize(
    ("language", "sender", "recipient", "date_from"),
    [
        ("zh-hant", "寄件者", "收件者", "開始日期"),
        ("zh-hans", "发件人", "收件人", "开始日期"),
        ("fa", "فرستنده", "گیرنده", "از"),
    ],
)
def test_envelope_says_sender_and_recipient_not_a_date_range(
    staff_client, language, sender, recipient, date_from
):
    # given a kept message, read in a language where "From" has two words
    kept = send()
    staff_client.cookies["django_language"] = language

    # when
    message = staff_client.get(reverse("web:outbox-message", args=[kept.pk])).content.decode()
    listing = staff_client.get(reverse("web:outbox")).content.decode()

    # then the envelope names sender and recipient, and the list's column the recipient
    assert f"<dt>{sender}</dt>" in message
    assert f"<dt>{recipient}</dt>" in message
    assert f'<th scope="col">{recipient}</th>' in listing
    assert f"<dt>{date_from}</dt>" not in message
