"""Whether someone can answer a chat now, and if not, when the store opens (in the shopper's language).

Open means within the desk's business hours (helpdesk.hours; none set is
always open) with at least one member available to take conversations
(helpdesk.AgentProfile; a member without a profile is available).
"""

from dataclasses import dataclass

from django.utils import timezone

from cxloop.core.formats import datetime_text, store_zone
from cxloop.core.models import Membership
from cxloop.helpdesk.hours import is_open, next_open
from cxloop.helpdesk.models import AgentProfile
from cxloop.helpdesk.services.desk import business_hours


@dataclass(frozen=True)
class State:
    online: bool
    opens_at_text: str  # "" when online or when no opening is known


def now(store) -> State:
    at = timezone.now()
    hours = business_hours(store)
    if not _someone_available(store):
        return State(False, "")
    if is_open(hours, at):
        return State(True, "")
    try:
        opens = next_open(hours, at)
    except ValueError:
        return State(False, "")
    with timezone.override(store_zone(store)):
        return State(False, datetime_text(opens, zone=True))


def _someone_available(store) -> bool:
    members = Membership.objects.filter(store=store).values_list("user_id", flat=True)
    unavailable = set(
        AgentProfile.objects.filter(store=store, available=False).values_list("user_id", flat=True)
    )
    return any(user_id not in unavailable for user_id in members)
