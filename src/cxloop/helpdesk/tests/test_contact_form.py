"""The public contact form: one conversation per message, the acknowledgement by email, spam refused."""

import re
from email.utils import parseaddr

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cxloop.helpdesk import addresses
from cxloop.helpdesk.contact import form
from cxloop.helpdesk.models import Channel, Conversation, Message

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    # Rate-limit counters live in the cache table, which transactional tests do not empty.
    cache.clear()
    yield
    cache.clear()


def form_url(store, query=""):
    return reverse("helpdesk-public:contact-form", args=[store.slug]) + query


def token_of(html: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', html).group(1)


def fields(token, **changes):
    data = {
        "token": token,
        "name": "Ania Kowalska",
        "email": "Ania@Example.pl",
        "order_number": "#1042",
        "subject": "Zwrot butów",
        "message": "Chcę zwrócić buty, są za małe.\nCzy mogę je wymienić?",
        "website": "",
    }
    return data | changes


def start_clock(time_machine):
    # Rate limits count in fixed windows (ten minutes, an hour): a test starts a minute into an hour,
    # so the few ten-second steps it takes never cross into a new window and reset a count.
    if time_machine.traveller is None:
        time_machine.move_to(timezone.now().replace(minute=1, second=0, microsecond=0), tick=False)


def open_form(client, store, time_machine, query="?lang=pl"):
    """GET the form, then let the customer take ten seconds to fill it in."""
    start_clock(time_machine)
    token = token_of(client.get(form_url(store, query)).content.decode())
    time_machine.shift(10)
    return token


def test_a_message_opens_one_conversation_and_the_acknowledgement_reaches_the_customer_in_polish(
    store, smtp_server, task_worker, time_machine
):
    # given
    client = Client()
    token = open_form(client, store, time_machine)

    # when
    with task_worker.committing():
        sent = client.post(form_url(store, "?lang=pl"), fields(token))
    task_worker.run_ready()

    # then
    conversation = Conversation.objects.get()
    incoming = conversation.messages.get(kind=Message.Kind.INCOMING)
    ack = conversation.messages.get(kind=Message.Kind.REPLY)
    assert sent.status_code == 302
    assert sent["Location"] == reverse("helpdesk-public:contact-thanks", args=[store.slug]) + "?lang=pl"
    assert (conversation.channel, conversation.contact_email, conversation.contact_name) == (
        Channel.FORM, "ania@example.pl", "Ania Kowalska",
    )  # fmt: skip
    assert conversation.subject == "Zwrot butów"
    assert incoming.text.startswith("Order: #1042\n\nChcę zwrócić buty")
    assert (ack.delivery, ack.auto_submitted, ack.to) == ("sent", True, ["ania@example.pl"])
    [received] = smtp_server.messages
    assert received["To"] == "ania@example.pl"
    assert parseaddr(received["From"])[0] == "Sklep Ania"
    assert received["Reply-To"] == addresses.reply_address(conversation)
    assert received["Message-ID"] == ack.message_id
    assert received["Auto-Submitted"] == "auto-replied"
    # A long encoded subject is folded after "Subject:"; the parser keeps that space, mail readers drop it.
    assert received["Subject"].strip() == "Sklep Ania: otrzymaliśmy Twoją wiadomość (#1)"
    assert 'lang="pl"' in received.get_body(("html",)).get_content()
    assert "> Chcę zwrócić buty, są za małe." in received.get_body(("plain",)).get_content()
    assert "> Chcę zwrócić buty, są za małe." in ack.text  # staff see in the conversation what was sent


def test_a_double_submit_stores_the_message_once_and_sends_one_acknowledgement(
    store, smtp_server, task_worker, time_machine
):
    client = Client()
    token = open_form(client, store, time_machine)

    with task_worker.committing():
        first = client.post(form_url(store), fields(token))
        again = client.post(form_url(store), fields(token, message="Changed my mind"))
    task_worker.run_ready()

    assert (first.status_code, again.status_code) == (302, 302)
    assert first["Location"] == again["Location"]
    assert Conversation.objects.count() == 1
    assert Message.objects.filter(kind=Message.Kind.INCOMING).count() == 1
    assert len(smtp_server.messages) == 1


def test_the_persian_form_reads_right_to_left_and_the_acknowledgement_is_persian(
    store, smtp_server, task_worker, time_machine
):
    client = Client()
    start_clock(time_machine)
    page = client.get(form_url(store), HTTP_ACCEPT_LANGUAGE="fa-IR,fa;q=0.9,en;q=0.5")
    html = page.content.decode()
    assert '<html lang="fa" dir="rtl">' in html
    assert page["Content-Language"] == "fa"
    time_machine.shift(10)

    with task_worker.committing():
        sent = client.post(
            form_url(store, "?lang=fa"),
            fields(token_of(html), name="مریم", subject="", message="سفارش من هنوز نرسیده است."),
        )
    task_worker.run_ready()

    assert sent.status_code == 302
    [received] = smtp_server.messages
    html_part = received.get_body(("html",)).get_content()
    assert 'lang="fa" dir="rtl"' in html_part
    assert "سفارش من هنوز نرسیده است." in html_part
    assert "۱" in received["Subject"]  # the conversation number in Persian digits
    thanks = client.get(sent["Location"]).content.decode()
    assert 'dir="rtl"' in thanks


def test_hostile_input_is_escaped_in_the_pages_and_in_the_acknowledgement(
    store, smtp_server, task_worker, time_machine
):
    client = Client()
    token = open_form(client, store, time_machine)
    hostile = '<script>alert("x")</script>'

    refused = client.post(form_url(store), fields(token, name=hostile, email="not an address"))
    with task_worker.committing():
        client.post(form_url(store), fields(token, name=hostile, message=f"Hi {hostile}"))
    task_worker.run_ready()

    assert refused.status_code == 422
    assert hostile not in refused.content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in refused.content.decode()
    [received] = smtp_server.messages
    html_part = received.get_body(("html",)).get_content()
    assert "<script>" not in html_part and "&lt;script&gt;" in html_part
    assert hostile not in received["Subject"] and "<script>" not in html_part.split("<blockquote")[0]


@pytest.mark.parametrize(
    ("changes", "field_name"),
    [
        ({"email": "ania(at)example.pl"}, "email"),
        ({"email": ""}, "email"),
        ({"name": ""}, "name"),
        ({"message": "   "}, "message"),
        ({"message": "x" * 10_001}, "message"),
        ({"subject": "s" * 201}, "subject"),
        ({"name": "Ania\u202eevil"}, "name"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_keeps_what_was_typed(
    store, time_machine, changes, field_name
):
    client = Client()
    token = open_form(client, store, time_machine)

    refused = client.post(form_url(store, "?lang=pl"), fields(token, **changes))

    html = refused.content.decode()
    assert refused.status_code == 422
    assert f'id="contact-{ {"order_number": "order"}.get(field_name, field_name) }-error"' in html
    assert "Czy mogę je wymienić?" in html or field_name == "message"
    assert Conversation.objects.count() == 0


def test_a_filled_honeypot_is_refused_and_nothing_is_stored(store, time_machine):
    client = Client()
    token = open_form(client, store, time_machine)

    refused = client.post(form_url(store), fields(token, website="https://spam.example"))

    assert refused.status_code == 422
    assert "looks automated" in refused.content.decode()
    assert "Ania Kowalska" in refused.content.decode()
    assert Conversation.objects.count() == 0


def test_a_form_sent_back_too_fast_is_refused_politely(store):
    client = Client()
    token = token_of(client.get(form_url(store)).content.decode())

    refused = client.post(form_url(store), fields(token))

    assert refused.status_code == 422
    assert "quicker than a person" in refused.content.decode()
    assert token_of(refused.content.decode()) == token  # the same form load: wait and send again
    assert Conversation.objects.count() == 0


@pytest.mark.parametrize("token", ["", "forged", "made:up:token"])
def test_a_missing_or_forged_token_is_refused_with_a_fresh_form(store, token):
    refused = Client().post(form_url(store), fields(token))

    assert refused.status_code == 422
    assert "out of date" in refused.content.decode()
    assert form.read_form_token(store, token_of(refused.content.decode())) is not None
    assert Conversation.objects.count() == 0


def test_another_stores_token_is_refused(store, other_store, time_machine):
    client = Client()
    token = open_form(client, other_store, time_machine)

    refused = client.post(form_url(store), fields(token))

    assert refused.status_code == 422
    assert Conversation.objects.count() == 0


def test_too_many_submits_from_one_address_get_429_with_retry_after(store, time_machine, monkeypatch):
    monkeypatch.setattr(form, "SUBMITS_PER_ADDRESS", 2)
    client = Client()
    token = open_form(client, store, time_machine)
    for _ in range(2):
        client.post(form_url(store), fields(token, email="bad"))

    refused = client.post(form_url(store, "?lang=pl"), fields(token))

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Ania Kowalska" in refused.content.decode()
    assert Conversation.objects.count() == 0


def test_too_many_messages_from_one_email_address_get_429(store, time_machine, monkeypatch):
    monkeypatch.setattr(form, "MESSAGES_PER_EMAIL", 1)
    client = Client()
    first = client.post(form_url(store), fields(open_form(client, store, time_machine)))
    again = client.post(
        form_url(store), fields(open_form(client, store, time_machine), email="ANIA@example.pl")
    )

    assert first.status_code == 302
    assert again.status_code == 429 and int(again["Retry-After"]) > 0
    assert 'id="contact-email-error"' in again.content.decode()
    assert Conversation.objects.count() == 1


def test_an_unknown_store_is_404(db):
    response = Client().get("/contact/no-such-store/?lang=pl")

    assert response.status_code == 404
    assert 'lang="pl"' in response.content.decode()


def test_the_form_refuses_framing_unless_embedded_and_then_only_by_the_storefront(store):
    store.storefront_origins = "https://sklep-ania.example"
    store.save(update_fields=["storefront_origins"])

    page = Client().get(form_url(store))
    embedded = Client().get(form_url(store, "?embed=1"))

    assert page["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]
    assert "X-Frame-Options" not in embedded
    assert "frame-ancestors https://sklep-ania.example" in embedded["Content-Security-Policy"]
    assert "public--embed" in embedded.content.decode()


def test_the_form_sets_no_cookie(store):
    page = Client().get(form_url(store))

    assert page.cookies == {}
    assert page["Cache-Control"] == "no-store"


def test_the_page_shows_the_store_name_and_its_brand_colour(store):
    from cxloop.surveys.tests.factories import make_survey

    make_survey(store, brand_color="#aa3300")

    html = Client().get(form_url(store)).content.decode()

    assert "Sklep Ania" in html
    assert "--brand:#aa3300" in html


def test_a_failed_send_is_tried_again_later(store, smtp_server, task_worker, time_machine):
    client = Client()
    token = open_form(client, store, time_machine)
    smtp_server.refuse_next(1, code=451)

    with task_worker.committing():
        client.post(form_url(store), fields(token))
    task_worker.run_ready()
    ack = Message.objects.get(kind=Message.Kind.REPLY)
    assert (ack.delivery, ack.attempts) == ("queued", 1)
    time_machine.shift(120)
    task_worker.run_ready()

    ack.refresh_from_db()
    assert (ack.delivery, ack.attempts) == ("sent", 2)
    assert len(smtp_server.messages) == 1


def test_the_honeypot_is_a_text_field_hidden_by_css_not_a_hidden_input(store):
    html = Client().get(form_url(store)).content.decode()

    trap = re.search(r'<div class="contact__trap" aria-hidden="true">.*?</div>', html, re.S).group(0)
    assert 'type="text"' in trap and 'name="website"' in trap and 'tabindex="-1"' in trap


def test_owners_find_the_link_and_the_embed_code_on_the_integrations_page(staff_client, store, settings):
    from cxloop.core import services as core_services

    settings.CXLOOP_PUBLIC_URL = "https://cx.example.com"
    _, publishable = core_services.create_api_key(store=store, name="storefront", kind="publishable")

    page = staff_client.get("/integrations/").content.decode()

    link = "https://cx.example.com/contact/sklep-ania/"
    assert f'<code class="url-box" id="contact-form-link" dir="ltr">{link}</code>' in page
    assert 'data-copy-target="contact-form-link"' in page
    assert 'data-copy-target="contact-form-snippet"' in page
    assert f"data-key=&quot;{publishable}&quot;" in page
    assert f"&lt;a href=&quot;{link}&quot; data-cxloop-contact&gt;Contact us&lt;/a&gt;" in page


def test_staff_see_the_acknowledgement_in_the_conversation_before_it_is_sent(store, time_machine):
    client = Client()
    token = open_form(client, store, time_machine)

    client.post(form_url(store, "?lang=pl"), fields(token))

    ack = Message.objects.get(kind=Message.Kind.REPLY)
    assert ack.delivery == "queued"
    assert ack.subject.startswith("Sklep Ania: ") and ack.subject.endswith("(#1)")
    assert "> Chcę zwrócić buty, są za małe." in ack.text
    assert parseaddr(ack.from_email)[0] == "Sklep Ania"
    assert ack.message_id.startswith("<contact-ack.") and ack.message_id.endswith(">")


def test_an_acknowledgement_whose_task_never_reached_the_queue_is_sent_by_the_sweep(
    store, smtp_server, task_worker, time_machine
):
    from cxloop.helpdesk.contact import services

    # given a message taken by a process that died before its on-commit enqueue
    client = Client()
    client.post(form_url(store), fields(open_form(client, store, time_machine)))
    assert task_worker.ready() == []
    assert services.requeue_stranded_acknowledgements() == 0  # not stranded yet: it may still be enqueued

    # when the sweep runs a few minutes later
    time_machine.shift(300)
    with task_worker.committing():
        requeued = services.requeue_stranded_acknowledgements()
    task_worker.run_ready()

    # then it is sent once, and the next sweep finds nothing
    assert requeued == 1
    assert len(smtp_server.messages) == 1
    assert Message.objects.get(kind=Message.Kind.REPLY).delivery == "sent"
    assert services.requeue_stranded_acknowledgements() == 0


def test_a_send_cut_off_with_its_worker_is_sent_again_only_by_the_same_task_taking_over(
    store, smtp_server, time_machine
):
    from cxloop.helpdesk.contact import services

    client = Client()
    client.post(form_url(store), fields(open_form(client, store, time_machine)))
    ack = Message.objects.get(kind=Message.Kind.REPLY)
    Message.objects.filter(pk=ack.pk).update(delivery=Message.Delivery.SENDING)  # a worker died mid-send

    another_run = services.deliver_acknowledgement(message_id=ack.pk)
    taken_over = services.deliver_acknowledgement(message_id=ack.pk, take_over=True)

    assert (another_run, taken_over) == ("sending", "sent")
    [received] = smtp_server.messages
    assert received["Message-ID"] == ack.message_id


@pytest.mark.parametrize(
    ("query", "accept", "store_language", "expected"),
    [
        ("?lang=fa", "pl-PL,pl;q=0.9", "en", "fa"),
        ("", "de-DE,de;q=0.9,pl;q=0.8", "en", "pl"),
        ("", "zh-TW,zh;q=0.9", "en", "zh-hant"),
        ("?lang=xx", "de", "lv", "lv"),
        ("?lang=<script>", "", "pl", "pl"),
    ],
)
def test_the_page_speaks_the_asked_then_the_browsers_then_the_stores_language(
    store, query, accept, store_language, expected
):
    store.default_language = store_language
    store.save(update_fields=["default_language"])

    page = Client().get(form_url(store, query), HTTP_ACCEPT_LANGUAGE=accept)

    assert page.status_code == 200
    assert page["Content-Language"] == expected
    assert f'<html lang="{expected}"' in page.content.decode()


def test_a_message_to_an_unknown_store_is_404_and_nothing_is_stored(store, time_machine):
    client = Client()
    token = open_form(client, store, time_machine)

    response = client.post("/contact/no-such-store/", fields(token))

    assert response.status_code == 404
    assert Conversation.objects.count() == 0 and Message.objects.count() == 0
