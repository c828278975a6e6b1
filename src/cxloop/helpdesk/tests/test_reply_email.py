"""The reply email, built without templates and serialised in one pass, is what templates and Django made."""

import email
import email.policy
from email.utils import parseaddr

import pytest
from django.core.mail import EmailMultiAlternatives
from django.template import engines
from django.utils import timezone, translation

from cxloop.core import formats
from cxloop.helpdesk import addresses
from cxloop.helpdesk.models import Message
from cxloop.helpdesk.reply_email import _history, build_reply_email, earlier_messages
from cxloop.helpdesk.services import conversations as services

from .factories import customer_writes, open_conversation

pytestmark = pytest.mark.django_db

# The templates the reply was rendered from until the bodies were built in Python: the reference.
REFERENCE_TEXT = """{% autoescape off %}{{ text }}
{% for item in history %}
{{ item.header }}
{% for line in item.text.splitlines %}> {{ line }}
{% endfor %}{% endfor %}{% endautoescape %}
"""
REFERENCE_HTML = "\n".join((
    "<!doctype html>",
    '<html lang="{{ language }}" dir="{{ direction }}">',
    '<head><meta charset="utf-8"></head>',
    "<body>",
    '<div dir="auto">{{ text|linebreaksbr }}</div>',
    "{% for item in history %}",
    "<p>{{ item.header }}</p>",
    '<blockquote style="margin:0 0 0 .8ex;border-left:1px solid #ccc;padding-left:1ex" dir="auto">'
    "{{ item.text|linebreaksbr }}</blockquote>",
    "{% endfor %}",
    "</body>",
    "</html>",
    "",
))  # fmt: skip
HOSTILE = "<script>alert(\"x\")</script> & <b onclick='y'>bold</b>"
CONVERSATIONS = {
    "en": ("Parcel <b>late</b>", "Ann <img src=x>", f"Where is it?\r\n{HOSTILE}\nThanks"),
    "fa": ("سفارش ۱۲", "سارا احمدی", f"سفارش من هنوز نرسیده است.\n{HOSTILE}"),
    "zh-hans": ("我的订单", "李娜", f"我的订单还没有收到。\n{HOSTILE}\n请帮我查一下"),
}


def _reply_in(store, agent, task_worker, language):
    subject, name, text = CONVERSATIONS[language]
    store.default_language, store.name = language, f"Shop {language} <&>"
    store.save(update_fields=["default_language", "name"])
    conversation, _first = open_conversation(store, subject=subject, from_name=name, text=text)
    customer_writes(store, conversation, text=f"Any news?\n> {HOSTILE}", references=["<old@mail.example>"])
    with task_worker.committing():
        return services.reply(conversation=conversation, author=agent, text=f"On its way.\n\n{HOSTILE}")


def _reference_bodies(reply: Message, language: str) -> tuple[str, str]:
    earlier = earlier_messages([reply])[reply.pk]
    store = reply.conversation.store
    with translation.override(language), timezone.override(formats.store_zone(store)):
        context = {
            "text": reply.text,
            "history": _history(reply, earlier),
            "store": store,
            "language": language,
            "direction": "rtl" if translation.get_language_bidi() else "ltr",
        }
        django = engines["django"]
        return django.from_string(REFERENCE_TEXT).render(context), django.from_string(REFERENCE_HTML).render(
            context
        )


@pytest.mark.parametrize("language", ["en", "fa", "zh-hans"])
def test_the_reply_bodies_are_the_templates_output_with_customer_text_escaped(
    store, agent, task_worker, language
):
    reply = _reply_in(store, agent, task_worker, language)
    reply = Message.objects.select_related("conversation__store").get(pk=reply.pk)

    built = build_reply_email(reply)

    text, html = _reference_bodies(reply, language)
    assert built.body == text
    assert built.alternatives[0].content == html
    assert HOSTILE not in html and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert f'dir="{"rtl" if language == "fa" else "ltr"}"' in html
    assert f"> {HOSTILE}" in text  # the plain part quotes the customer's words as written


@pytest.mark.parametrize("language", ["en", "fa", "zh-hans"])
def test_the_bytes_sent_are_the_message_django_would_build(store, agent, task_worker, language):
    reply = _reply_in(store, agent, task_worker, language)
    reply = Message.objects.select_related("conversation__store").get(pk=reply.pk)
    built = build_reply_email(reply)

    sender, recipients, raw = built.smtp_envelope()
    fast = email.message_from_bytes(raw, policy=email.policy.default)
    django = email.message_from_bytes(
        EmailMultiAlternatives.message(built).as_bytes(linesep="\r\n"), policy=email.policy.default
    )

    assert (sender, recipients) == (parseaddr(built.from_email)[1], ["ania@example.pl"])
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    assert _headers(fast) == _headers(django)
    assert fast["Reply-To"] == addresses.reply_address(reply.conversation)
    assert (
        fast["In-Reply-To"] == django["In-Reply-To"] and fast["References"].split()[0] == "<old@mail.example>"
    )
    assert [_part(part) for part in fast.iter_parts()] == [_part(part) for part in django.iter_parts()]
    assert fast.get_body(("html",)).get_content().replace("\r\n", "\n") == built.alternatives[0].content


def test_a_body_line_past_998_bytes_goes_quoted_printable_as_django_sends_it(store, agent, task_worker):
    reply = _reply_in(store, agent, task_worker, "en")
    Message.objects.filter(pk=reply.pk).update(text="é" * 600)  # 1,200 bytes on one line
    reply = Message.objects.select_related("conversation__store").get(pk=reply.pk)
    built = build_reply_email(reply)

    fast = email.message_from_bytes(built.smtp_envelope()[2], policy=email.policy.default)
    django = email.message_from_bytes(
        EmailMultiAlternatives.message(built).as_bytes(linesep="\r\n"), policy=email.policy.default
    )

    assert [_part(part) for part in fast.iter_parts()] == [_part(part) for part in django.iter_parts()]
    assert {part["Content-Transfer-Encoding"] for part in fast.iter_parts()} == {"quoted-printable"}


def test_a_customer_address_that_is_not_ascii_leaves_the_message_to_django(store, agent, task_worker):
    reply = _reply_in(store, agent, task_worker, "en")
    reply = Message.objects.select_related("conversation__store").get(pk=reply.pk)
    built = build_reply_email(reply)
    built.to = ["zoë@bücher.example"]

    assert built.smtp_envelope() is None


def _headers(message) -> list[tuple[str, str]]:
    """Every header but the ones made fresh per message (the date, the MIME boundary), unfolded."""
    return [
        (name, value.content_type if name == "Content-Type" else str(value).strip())
        for name, value in message.items()
        if name != "Date"
    ]


def _part(part) -> tuple:
    return (
        part.get_content_type(),
        part.get_param("charset"),
        part["Content-Transfer-Encoding"],
        part.get_content(),
    )
