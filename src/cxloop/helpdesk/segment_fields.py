"""Help desk fields for segment queries: did the customer write to support, is a conversation open."""

from django.db.models import OuterRef
from django.utils.translation import gettext_lazy as _

from cxloop.segments.query.fields import Context, exists_field, register_field, since_of

from .models import Conversation


def _contacted(condition, context: Context):
    conversations = Conversation.objects.filter(customer=OuterRef("pk"), merged_into__isnull=True)
    if (since := since_of(condition, context)) is not None:
        conversations = conversations.filter(created_at__gte=since)
    return conversations


def _open(condition, context: Context):
    return Conversation.objects.filter(
        customer=OuterRef("pk"), merged_into__isnull=True, status__in=OPEN_STATUSES
    )


OPEN_STATUSES = (Conversation.Status.OPEN, Conversation.Status.PENDING, Conversation.Status.SNOOZED)


def register_helpdesk_fields() -> None:
    register_field(exists_field(
        "contacted_support", _("Wrote to the help desk (since: a date)."), _contacted, arguments=("since",),
        example="contacted_support(since: -30d) = true",
    ))  # fmt: skip
    register_field(exists_field(
        "has_open_conversation", _("Has a help desk conversation not yet resolved."), _open,
        example="has_open_conversation = true",
    ))  # fmt: skip
