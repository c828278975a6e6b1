"""Macros: several changes to a conversation in one click ("Refund sent": reply, tag, resolve).

    apply_macro(macro=m, conversation=c, actor=agent)   # one transaction, through the usual verbs

Each change goes through its verb in services.conversations (reply,
set_tags, set_status, assign, set_team, set_priority), so each writes the
Activity it always writes; those rows also name the macro
(`data["macro"]`). A reply with variables whose value is missing is refused
(MissingValues) unless the agent confirms, as with canned replies.
"""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cxloop.core.errors import DomainError, InvalidInput
from cxloop.core.models import Membership

from ..models import Activity, Conversation, Macro, Team
from . import conversations as verbs
from .canned import check_variables, render_text

MAX_NAME = 200
MAX_BODY = 20_000
MAX_SNOOZE_HOURS = 24 * 365


class MissingValues(DomainError):
    """The macro's reply would go out with empty variables; `names` lists them."""

    status = 409
    code = "missing_values"

    def __init__(self, names: list[str]):
        super().__init__(
            _("These variables have no value for this conversation: %(names)s.")
            % {"names": ", ".join(names)},
            field="reply_body",
        )
        self.names = names


def _tags(raw) -> list[str]:
    names = raw.split(",") if isinstance(raw, str) else list(raw or [])
    cleaned: list[str] = []
    for name in names:
        name = " ".join(str(name).replace("\x00", "").split())[:60]
        if name and name.lower() not in {c.lower() for c in cleaned}:
            cleaned.append(name)
    if len(cleaned) > verbs.MAX_TAGS:
        raise InvalidInput(_("Too many tags."), field="add_tags")
    return cleaned


def _clean(store, fields: dict) -> dict:
    name = " ".join(str(fields.get("name", "")).split())
    if not name or len(name) > MAX_NAME:
        raise InvalidInput(_("Give the macro a name (up to 200 characters)."), field="name")
    body = str(fields.get("reply_body", "")).replace("\x00", "").replace("\r\n", "\n").strip()
    if len(body) > MAX_BODY:
        raise InvalidInput(_("The text is too long."), field="reply_body")
    check_variables(body, field="reply_body")
    status = fields.get("status") or ""
    if status and status not in Conversation.Status.values:
        raise InvalidInput(_("Unknown status."), field="status")
    hours = fields.get("snooze_hours")
    if status == Conversation.Status.SNOOZED:
        if not isinstance(hours, int) or not 0 < hours <= MAX_SNOOZE_HOURS:
            raise InvalidInput(_("Say for how many hours to snooze (1 to 8760)."), field="snooze_hours")
    else:
        hours = None
    priority = fields.get("priority") or ""
    if priority and priority not in Conversation.Priority.values:
        raise InvalidInput(_("Unknown priority."), field="priority")
    assignee = fields.get("assignee")
    if assignee is not None and not Membership.objects.filter(store=store, user=assignee).exists():
        raise verbs.NotAMember(_("Only a member of this store can be assigned."), field="assignee")
    team = fields.get("team")
    if team is not None and (not isinstance(team, Team) or team.store_id != store.pk):
        raise InvalidInput(_("No such team."), field="team")
    values = {
        "name": name, "reply_body": body, "add_tags": _tags(fields.get("add_tags")), "status": status,
        "snooze_hours": hours, "priority": priority, "assignee": assignee, "team": team,
    }  # fmt: skip
    if not (body or values["add_tags"] or status or priority or assignee or team):
        raise InvalidInput(_("A macro must change at least one thing."), field="name")
    return values


@transaction.atomic
def save_macro(*, store, fields: dict, actor, macro: Macro | None = None) -> Macro:
    """Create a macro (or change `macro`). `fields` holds model instances for assignee and team.

    Raises InvalidInput for a bad value, an unknown variable in the reply, or a name already used.
    """
    values = _clean(store, fields)
    taken = Macro.objects.filter(store=store, name__iexact=values["name"])
    if macro is not None:
        taken = taken.exclude(pk=macro.pk)
    if taken.exists():
        raise InvalidInput(_("Another macro already has this name."), field="name")
    if macro is None:
        macro = Macro(store=store, created_by=actor)
    for name, value in values.items():
        setattr(macro, name, value)
    try:
        with transaction.atomic():
            macro.save()
    except IntegrityError as error:
        raise InvalidInput(_("Another macro already has this name."), field="name") from error
    return macro


@transaction.atomic
def delete_macro(*, macro: Macro) -> None:
    """Delete a macro (what it did to conversations stays in their activity)."""
    macro.delete()


def build_macro_reply(macro: Macro, conversation: Conversation, actor) -> tuple[str, list[str]]:
    """The reply the macro would send to this conversation, and the variables without a value."""
    if not macro.reply_body:
        return "", []
    return render_text(macro.reply_body, conversation=conversation, agent=actor)


@transaction.atomic
def apply_macro(
    *, macro: Macro, conversation: Conversation, actor, allow_missing: bool = False
) -> Conversation:
    """Do everything the macro says to the conversation, in one transaction, through the verbs.

    Raises MissingValues when the reply has variables without a value (unless
    `allow_missing`), or the verbs' own errors (no address to reply to, a
    member who left); then nothing at all is changed.
    """
    if macro.store_id != conversation.store_id:
        raise InvalidInput(_("No such macro."), field="macro")
    text, missing = build_macro_reply(macro, conversation, actor)
    if missing and not allow_missing:
        raise MissingValues(missing)
    last = Activity.objects.filter(conversation=conversation).order_by("-pk").values_list("pk", flat=True)
    before = last.first() or 0
    if text.strip():
        verbs.reply(conversation=conversation, author=actor, text=text)
    if macro.add_tags:
        current = list(conversation.tags.values_list("name", flat=True))
        verbs.set_tags(conversation=conversation, names=current + list(macro.add_tags), actor=actor)
    if macro.assignee_id:
        verbs.assign(conversation=conversation, assignee=macro.assignee, actor=actor)
    if macro.team_id:
        verbs.set_team(conversation=conversation, team=macro.team, actor=actor)
    if macro.priority:
        verbs.set_priority(conversation=conversation, priority=macro.priority, actor=actor)
    if macro.status:
        until = None
        if macro.status == Conversation.Status.SNOOZED:
            until = timezone.now() + timedelta(hours=macro.snooze_hours or 24)
        verbs.set_status(conversation=conversation, status=macro.status, actor=actor, snoozed_until=until)
    _name_the_macro(conversation, macro, actor, after=before)
    return conversation


def _name_the_macro(conversation: Conversation, macro: Macro, actor, *, after: int) -> None:
    # The verbs write their Activity as always; the rows this transaction just wrote also name the macro.
    written = Activity.objects.filter(conversation=conversation, actor=actor, pk__gt=after)
    for activity in written.select_for_update():
        activity.data = {**activity.data, "macro": macro.name, "macro_id": macro.pk}
        activity.save(update_fields=["data"])


__all__ = ["MissingValues", "apply_macro", "build_macro_reply", "delete_macro", "save_macro"]
