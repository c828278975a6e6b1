"""Conversations for tests, opened the way customers open them (services.intake.take_message)."""

import itertools

from cxloop.helpdesk.models import Channel
from cxloop.helpdesk.services.intake import Incoming, take_message

_ids = itertools.count(1)


def open_conversation(store, *, text="Where is my parcel? I ordered shoes a week ago.", **fields):
    """A conversation with one incoming email (with a Message-ID); returns (conversation, message)."""
    number = next(_ids)
    incoming = Incoming(
        text=text,
        subject=fields.pop("subject", "Parcel"),
        from_email=fields.pop("from_email", "ania@example.pl"),
        from_name=fields.pop("from_name", "Ania Nowak"),
        message_id=fields.pop("message_id", f"<customer.{number}@mail.example.pl>"),
        **fields,
    )
    conversation, message, _created = take_message(
        store=store, channel=Channel.EMAIL, incoming=incoming, external_id=f"test:{number}"
    )
    return conversation, message


def customer_writes(store, conversation, *, text="Any news?", **fields):
    number = next(_ids)
    incoming = Incoming(
        text=text,
        subject=fields.pop("subject", f"Re: {conversation.subject}"),
        from_email=fields.pop("from_email", conversation.contact_email),
        message_id=fields.pop("message_id", f"<customer.{number}@mail.example.pl>"),
        **fields,
    )
    _conversation, message, _created = take_message(
        store=store,
        channel=Channel.EMAIL,
        incoming=incoming,
        conversation=conversation,
        external_id=f"test:{number}",
    )
    return message


def make_foreign_objects(store) -> dict:
    """The store's helpdesk objects by route parameter, for the tenancy sweep."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from cxloop.core.models import Membership
    from cxloop.helpdesk.models import Attachment, CannedReply, Macro, SlaPolicy, Team
    from cxloop.helpdesk.services.rules import save_rule
    from cxloop.testing.fixtures import make_staff

    conversation, message = open_conversation(store, subject="Canary conversation")
    attachment = Attachment.objects.create(
        store=store, message=message, key="canary", file=ContentFile(b"canary", name="canary.txt"),
        filename="canary.txt", content_type="text/plain", size=6, created_at=timezone.now(),
    )  # fmt: skip
    team = Team.objects.create(store=store, name="Canary team", routing=True)
    agent = make_staff(store, Membership.Role.AGENT, email=f"canary-agent@{store.slug}.test")
    team.members.add(agent)
    canned = CannedReply.objects.create(store=store, title="Canary reply", body="Canary")
    macro = Macro.objects.create(store=store, name="Canary macro", priority="urgent")
    tag_it = [{"kind": "add_tags", "value": "canary"}]
    rule = save_rule(
        store=store, actor=None, fields={"name": "Canary rule", "trigger": "created", "actions": tag_it}
    )
    policy = SlaPolicy.objects.create(store=store, name="Canary policy", first_response_minutes=60)
    return {
        "conversation_id": conversation.pk, "attachment_id": attachment.pk, "team_id": team.pk,
        "agent_id": agent.pk, "canned_id": canned.pk, "macro_id": macro.pk, "rule_id": rule.pk,
        "policy_id": policy.pk,
    }  # fmt: skip
