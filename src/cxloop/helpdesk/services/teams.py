"""Teams, agents' profiles and the store's routing settings (what services.routing reads).

    team = create_team(store=store, name="Persian-speaking", actor=owner)
    update_team(team=team, name="Persian", routing=True, languages="fa", actor=owner)
    add_member(team=team, user=ania, actor=owner)
    set_availability(store=store, user=ania, available=False)       # the agent's own switch
    update_profile(store=store, user=ania, languages="pl, fa", skills="returns", available=True,
                   max_open="8")
    save_routing_settings(store=store, vip_spent="1000", vip_tags="vip, wholesale",
                          vip_team=team, default_team=None)

Text inputs (languages, skills, tags) are comma- or space-separated lists and are
checked here; a bad one raises InvalidInput naming the field.
"""

import re
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cxloop.core.errors import InvalidInput
from cxloop.core.models import Membership

from ..models import AgentProfile, Conversation, DeskSettings, Team
from .desk import settings_for

LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8}){0,2}$")
WORD = re.compile(r"^[\w][\w.+-]{0,29}$", re.UNICODE)
MAX_ITEMS = 20
MAX_CAP = 1000


def parse_languages(raw, *, field: str = "languages") -> list[str]:
    """ "pl, fa zh-Hant" -> ["pl", "fa", "zh-hant"]; raises InvalidInput for anything else."""
    codes = []
    for code in _items(raw):
        code = code.lower().replace("_", "-")
        if not LANGUAGE_CODE.match(code):
            raise InvalidInput(
                _("“%(code)s” is not a language code (like pl, fa or zh-hant).") % {"code": code}, field=field
            )
        if code not in codes:
            codes.append(code)
    if len(codes) > MAX_ITEMS:
        raise InvalidInput(_("Too many languages."), field=field)
    return codes


def parse_words(raw, *, field: str) -> list[str]:
    """ "returns, wholesale" -> ["returns", "wholesale"]: short words, each at most 30 characters."""
    words = []
    for word in _items(raw):
        if not WORD.match(word):
            raise InvalidInput(_("“%(word)s” is not a short word.") % {"word": word[:40]}, field=field)
        if word.lower() not in {w.lower() for w in words}:
            words.append(word)
    if len(words) > MAX_ITEMS:
        raise InvalidInput(_("Too many entries."), field=field)
    return words


def parse_tags(raw, *, field: str = "vip_tags") -> list[str]:
    """ "vip, Gold member" -> ["vip", "Gold member"]: customer tags, comma-separated (they hold spaces)."""
    if isinstance(raw, (list, tuple)):
        raw = ",".join(str(item) for item in raw)
    tags = []
    for tag in str(raw or "").replace("\x00", "").split(","):
        tag = " ".join(tag.split())
        if len(tag) > 100:
            raise InvalidInput(_("A tag is too long."), field=field)
        if tag and tag.lower() not in {t.lower() for t in tags}:
            tags.append(tag)
    if len(tags) > MAX_ITEMS:
        raise InvalidInput(_("Too many entries."), field=field)
    return tags


def _items(raw) -> list[str]:
    if isinstance(raw, (list, tuple)):
        raw = ",".join(str(item) for item in raw)
    return [item for item in re.split(r"[,\s]+", str(raw or "").replace("\x00", "")) if item]


def _name(raw) -> str:
    name = " ".join(str(raw or "").replace("\x00", "").split())
    if not name:
        raise InvalidInput(_("Give the team a name."), field="name")
    if len(name) > 100:
        raise InvalidInput(_("The name is too long."), field="name")
    return name


def _check_member(store, user) -> None:
    if user is None or not Membership.objects.filter(store=store, user=user).exists():
        raise InvalidInput(_("Only a member of this store can be added."), field="user")


@transaction.atomic
def create_team(*, store, name, actor=None, routing: bool = False, languages="") -> Team:
    name = _name(name)
    if Team.objects.filter(store=store, name__iexact=name).exists():
        raise InvalidInput(_("A team of that name exists already."), field="name")
    return Team.objects.create(store=store, name=name, routing=routing, languages=parse_languages(languages))


@transaction.atomic
def update_team(*, team: Team, name, routing: bool, languages, actor=None) -> Team:
    """Rename a team, turn its round-robin on or off, set the languages it serves."""
    name = _name(name)
    if Team.objects.filter(store_id=team.store_id, name__iexact=name).exclude(pk=team.pk).exists():
        raise InvalidInput(_("A team of that name exists already."), field="name")
    team.name, team.routing, team.languages = name, bool(routing), parse_languages(languages)
    try:
        with transaction.atomic():
            team.save(update_fields=["name", "routing", "languages"])
    except IntegrityError as error:
        raise InvalidInput(_("A team of that name exists already."), field="name") from error
    return team


@transaction.atomic
def delete_team(*, team: Team, actor=None) -> None:
    """Delete a team; its conversations stay, without a team.

    They are changed here, with their `updated_at`, rather than by the foreign key's SET NULL, which
    moves no `updated_at`: the analytics warehouse copies a conversation again when that moves."""
    conversations = Conversation.objects.filter(store_id=team.store_id, team=team)
    conversations.update(team=None, updated_at=timezone.now())
    team.delete()


@transaction.atomic
def add_member(*, team: Team, user, actor=None) -> None:
    _check_member(team.store, user)
    team.members.add(user)


@transaction.atomic
def remove_member(*, team: Team, user, actor=None) -> None:
    team.members.remove(user)


def profile_for(store, user) -> AgentProfile:
    """The member's profile, made with defaults (available, no cap) on first use."""
    profile, _created = AgentProfile.objects.get_or_create(store=store, user=user)
    return profile


@transaction.atomic
def set_availability(*, store, user, available: bool) -> AgentProfile:
    """The agent's own switch: off, routing passes them by (what they have stays theirs); back on, the
    conversations waiting unassigned in their teams' queues are routed again (routing.route_waiting)."""
    _check_member(store, user)
    profile = profile_for(store, user)
    if profile.available != bool(available):
        profile.available = bool(available)
        profile.save(update_fields=["available", "updated_at"])
        if profile.available:
            from .routing import route_waiting

            route_waiting(store, teams=list(Team.objects.filter(store=store, members=user)))
    return profile


def _cap(raw) -> int | None:
    raw = str(raw if raw is not None else "").strip()
    if not raw:
        return None
    if not raw.isdecimal() or not 0 <= int(raw) <= MAX_CAP:
        raise InvalidInput(
            _("The cap is a whole number from 0 to %(max)s, or empty for none.") % {"max": MAX_CAP},
            field="max_open",
        )
    return int(raw)


@transaction.atomic
def update_profile(*, store, user, languages, skills, available: bool, max_open, actor=None) -> AgentProfile:
    """Languages, skills, availability and cap of one member (admins, or the member themself).

    A member who can take more than before (switched back to available, a cap raised or removed)
    is given the conversations waiting in their teams' queues, as with the availability switch."""
    _check_member(store, user)
    values = {
        "languages": parse_languages(languages),
        "skills": parse_words(skills, field="skills"),
        "available": bool(available),
        "max_open": _cap(max_open),
    }
    profile = profile_for(store, user)
    could_take = _room_rank(profile)
    for name, value in values.items():
        setattr(profile, name, value)
    profile.save()
    if _room_rank(profile) > could_take:
        from .routing import route_waiting

        route_waiting(store, teams=list(Team.objects.filter(store=store, members=user)))
    return profile


def _room_rank(profile: AgentProfile) -> float:
    """How much routing may give the member: nothing when away, their cap, or no limit."""
    if not profile.available:
        return -1
    return float("inf") if profile.max_open is None else profile.max_open


def _amount(raw) -> Decimal | None:
    raw = str(raw if raw is not None else "").strip().replace(",", ".")
    if not raw:
        return None
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
        raise InvalidInput(
            _("The amount is a number like 1000 or 1000.50, or empty for none."), field="vip_spent"
        )
    return amount.quantize(Decimal("0.01"))


@transaction.atomic
def save_routing_settings(
    *,
    store,
    vip_spent,
    vip_tags,
    vip_team: Team | None,
    default_team: Team | None,
    actor=None,
    vip_segment=None,
) -> DeskSettings:
    """Who is a VIP (amount spent, customer tags, a segment), the VIP team and the default team."""
    for team, field in ((vip_team, "vip_team"), (default_team, "default_team")):
        if team is not None and team.store_id != store.pk:
            raise InvalidInput(_("No such team."), field=field)
    if vip_segment is not None and vip_segment.store_id != store.pk:
        raise InvalidInput(_("No such segment."), field="vip_segment")
    settings = settings_for(store)
    settings.vip_segment = vip_segment
    settings.vip_spent = _amount(vip_spent)
    settings.vip_tags = parse_tags(vip_tags)
    settings.vip_team = vip_team
    settings.default_team = default_team
    settings.save()
    return settings


__all__ = [
    "add_member",
    "create_team",
    "delete_team",
    "parse_languages",
    "parse_tags",
    "parse_words",
    "profile_for",
    "remove_member",
    "save_routing_settings",
    "set_availability",
    "update_profile",
    "update_team",
]
