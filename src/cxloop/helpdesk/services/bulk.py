"""Bulk actions of the inbox: one change to many conversations, each through its usual verb.

    result = apply_bulk(store=s, conversation_ids=[4, 7, 9], action=BulkAction("status", "resolved"), actor=a)
    result.done, result.skipped    # 3, 0

Only the store's own conversations are touched: another store's ids are
ignored (they are not counted either). Each conversation changes in its own
transaction, so one that cannot take the change (no address for a macro's
reply, a variable without a value) is skipped and the others go ahead.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from cxloop.core.errors import DomainError, InvalidInput

from ..models import Conversation, Macro, Team
from . import conversations as verbs
from .macros import apply_macro

MAX_SELECTED = 500
KINDS = ("assign", "team", "tag", "status", "priority", "macro")
STATUSES = (Conversation.Status.RESOLVED, Conversation.Status.PENDING, Conversation.Status.OPEN)


@dataclass
class BulkAction:
    """What to do: kind is one of KINDS; target the user, team, macro, tag name, status or priority."""

    kind: str
    target: object = None


@dataclass
class BulkResult:
    done: int = 0
    skipped: int = 0
    problems: list[str] = field(default_factory=list)  # why some were skipped, each reason once


def _check(store, action: BulkAction) -> None:
    kind, target = action.kind, action.target
    if kind not in KINDS:
        raise InvalidInput(_("Choose an action."), field="action")
    if kind == "status" and target not in STATUSES:
        raise InvalidInput(_("Unknown status."), field="action")
    if kind == "priority" and target not in Conversation.Priority.values:
        raise InvalidInput(_("Unknown priority."), field="action")
    if kind == "tag" and not (isinstance(target, str) and target.strip()):
        raise InvalidInput(_("Write the tag to add."), field="tag")
    if (
        kind == "team"
        and target is not None
        and (not isinstance(target, Team) or target.store_id != store.pk)
    ):
        raise InvalidInput(_("No such team."), field="action")
    if kind == "macro" and (not isinstance(target, Macro) or target.store_id != store.pk):
        raise InvalidInput(_("No such macro."), field="action")


def _apply_one(conversation: Conversation, action: BulkAction, actor) -> None:
    kind, target = action.kind, action.target
    if kind == "assign":
        verbs.assign(conversation=conversation, assignee=target, actor=actor)
    elif kind == "team":
        verbs.set_team(conversation=conversation, team=target, actor=actor)
    elif kind == "tag":
        names = list(conversation.tags.values_list("name", flat=True)) + [target]
        verbs.set_tags(conversation=conversation, names=names, actor=actor)
    elif kind == "status":
        verbs.set_status(conversation=conversation, status=target, actor=actor)
    elif kind == "priority":
        verbs.set_priority(conversation=conversation, priority=target, actor=actor)
    elif kind == "macro":
        apply_macro(macro=target, conversation=conversation, actor=actor)


def apply_bulk(*, store, conversation_ids: list[int], action: BulkAction, actor) -> BulkResult:
    """Do `action` to each of the store's conversations among `conversation_ids`.

    Raises InvalidInput for an unknown action or target, or more than
    MAX_SELECTED ids (then nothing is changed). Each conversation is changed
    in its own transaction through the verbs, so each writes its Activity.
    """
    ids = sorted({int(pk) for pk in conversation_ids})
    if not ids:
        raise InvalidInput(_("Select at least one conversation."), field="conversation")
    if len(ids) > MAX_SELECTED:
        raise InvalidInput(
            _("Select at most %(count)d conversations at a time.") % {"count": MAX_SELECTED},
            field="conversation",
        )
    _check(store, action)
    result = BulkResult()
    conversations = Conversation.objects.filter(store=store, pk__in=ids).select_related(
        "store", "customer", "team"
    )
    for conversation in conversations.order_by("pk"):
        try:
            with transaction.atomic():
                _apply_one(conversation, action, actor)
        except DomainError as error:
            result.skipped += 1
            if error.message not in result.problems:
                result.problems.append(error.message)
        else:
            result.done += 1
    return result


__all__ = ["MAX_SELECTED", "BulkAction", "BulkResult", "apply_bulk"]
