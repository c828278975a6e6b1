"""The acknowledgement of a contact-form message: one email, in the customer's language.

    From: "Sklep Ania" <noreply@cx.example.com>
    Reply-To: reply+412.9f0c...@in.cx.example.com      (helpdesk.addresses.reply_address)
    Message-ID: <contact-ack.412.1a2b3c4d5e6f@cx.example.com>   (stored on the reply Message)
    Auto-Submitted: auto-replied

Everything the store says in it is fixed, translated text and the store's
own name. Nothing the customer typed is written as the store's words: not
their name in a greeting, not their subject in the Subject line. Their
message is quoted once, under "Your message", clearly as theirs (escaped in
the HTML part). An answer to the email goes to the conversation's reply
address with In-Reply-To this Message-ID, so it joins the conversation.
"""

import re
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from cxloop.core import formats

from ..addresses import reply_address
from ..models import Message

# Line breaks of any kind and other control characters: never inside a header value.
_NOT_IN_HEADER = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def one_line(value: str) -> str:
    return " ".join(_NOT_IN_HEADER.sub(" ", str(value)).split())


def quote(text: str) -> str:
    """Plain-text quoting: each line of the customer's message starts with "> "."""
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines())


def make_message_id(local_part: str) -> str:
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    return f"<{local_part}@{domain}>"


def sender_address(name: str) -> str:
    """From: the store's name with the installation's sending address."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "noreply@localhost"
    return formataddr((one_line(name), address))


def write_acknowledgement(ack: Message, *, language: str) -> None:
    """Write the acknowledgement's From, subject, text and HTML onto `ack`, in `language` (not saved)."""
    conversation = ack.conversation
    store = conversation.store
    customer_message = (
        conversation.messages.filter(kind=Message.Kind.INCOMING).order_by("created_at", "pk").first()
    )
    quoted = customer_message.text if customer_message else ""
    with translation.override(language):
        rtl = translation.get_language_bidi()
        number = formats.localize_digits(str(conversation.number), language)
        context = {
            "store": store,
            "number": number,
            "quoted": quoted,
            "quoted_lines": quote(quoted),
            "language": language,
            "direction": "rtl" if rtl else "ltr",
            "align": "right" if rtl else "left",
        }
        subject = _("%(store)s: we received your message (#%(number)s)") % {
            "store": store.name,
            "number": number,
        }
        ack.text = render_to_string("helpdesk/contact/email/acknowledgement.txt", context)
        ack.html = render_to_string("helpdesk/contact/email/acknowledgement.html", context)
    ack.subject = one_line(subject)[:998]
    ack.from_email = sender_address(store.name)[:254]


def build_acknowledgement_email(ack: Message) -> EmailMultiAlternatives:
    """The email of a written acknowledgement (`write_acknowledgement`): what staff see is what is sent."""
    conversation = ack.conversation
    email = EmailMultiAlternatives(
        subject=ack.subject,
        body=ack.text,
        from_email=ack.from_email,
        to=ack.to or [conversation.contact_email],
        reply_to=[reply_address(conversation)],
        headers={
            "Message-ID": ack.message_id,
            "Auto-Submitted": "auto-replied",  # RFC 3834: out-of-office replies to it are not sent
            "X-Auto-Response-Suppress": "All",
        },
    )
    email.attach_alternative(ack.html, "text/html")
    return email
