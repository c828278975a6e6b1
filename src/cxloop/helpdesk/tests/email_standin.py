"""A small stand-in for the help desk's email intake, for tests of mailbox reading on their own.

It keeps the contract of `services.inbound.receive_email` that mailbox reading relies on:
one stored Message per external_id, with the mail's Message-ID and subject.
"""

import email
import email.policy

from cxloop.helpdesk.models import Channel
from cxloop.helpdesk.services.intake import Incoming, take_message


def receive_email(*, store, raw: bytes, external_id: str = "", recipient: str = ""):
    mail = email.message_from_bytes(raw, policy=email.policy.default)
    body = mail.get_body(preferencelist=("plain",))
    incoming = Incoming(
        text=body.get_content() if body else "",
        subject=str(mail.get("Subject", "")),
        from_email=mail["From"].addresses[0].addr_spec if mail["From"] else "",
        message_id=str(mail.get("Message-ID", "")).strip(),
        to=[recipient] if recipient else [],
    )
    _conversation, message, _created = take_message(
        store=store, channel=Channel.EMAIL, incoming=incoming, external_id=external_id
    )
    return message
