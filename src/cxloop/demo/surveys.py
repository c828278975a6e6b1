"""Demo surveys: an NPS and a CSAT survey that have been running for six months.

    summary = generate_surveys(store=store, seed=42)

adds to a generated demo store (see `generator`) what two surveys leave
behind after half a year under the store's contact-pressure policy:

- "NPS after delivery" asks 3 days after each fulfilled order (the order
  sweep's trigger); "Help we gave you" (CSAT) is sent by hand every two weeks
  to an uploaded list of customers who contacted support, one `ManualSend`
  per list.
- Every due order and every listed customer has an invitation, as the real
  services leave them: sent (claimed, sent, a Message-ID), skipped with the
  policy's reason (no consent at that moment, per the consent ledger;
  throttled: one survey per 90 days across both surveys), or, rarely, failed
  (the relay refused the address). Each sent invitation has its entry in the contact
  ledger (`flows.Contact`), so the window holds for the next real send.
- About a third of those asked answer, mostly within hours and always before
  the link expires: one response per invitation, the band of its score,
  country/language/repeat-customer as at answer time. Scores put NPS around
  +35 to +40 and CSAT around 83 % (refunds, international deliveries and
  repeat purchases move them). A minority leave a comment from
  `survey_comments`, in their own language (a few in English), with
  `comment_language` set.
- The low-score rule has run on every low answer: `low_score_handled_at`,
  the survey's tag on the customer and a `survey_low_score` event, as
  `services.follow_up_low_score` leaves them.

The same seed and `today` give the same rows (ids aside; nonces and public
ids are secrets, so they stay random). Everything is one transaction; rows
go in with one `executemany` per table (see the end of this module).
"""

import bisect
import json
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import date as date_type
from datetime import time as time_type

from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKey,
    IntegerField,
    JSONField,
    Model,
    TextField,
)
from django.db.models.fields import AutoFieldMixin
from django.utils import timezone

from cxloop.commerce.models import ConsentRecord, Customer, Event, Order
from cxloop.core.languages import is_chinese
from cxloop.core.models import Membership, Store
from cxloop.flows import queries as flows_queries
from cxloop.flows import services as flows_services
from cxloop.flows.models import Contact, ContactKind, ContactPolicy, Suppression
from cxloop.flows.services import ALLOWED_CONSENT
from cxloop.surveys import services as survey_services
from cxloop.surveys.emails import message_id
from cxloop.surveys.models import Channel, Invitation, ManualSend, Response, Survey
from cxloop.surveys.scoring import SCALES, Band, Kind
from cxloop.surveys.services.delivery import contact_reference
from cxloop.surveys.services.followup import LOW_SCORE_EVENT
from cxloop.surveys.texts import pick_language

from .survey_comments import COMMENTS

HISTORY_DAYS = 183
NPS_DELAY_DAYS = 3
CSAT_EVERY_DAYS = 14
CSAT_SEND_HOUR = 8  # UTC: 9-10 in the store's Europe/Warsaw time
# Who contacts support in two weeks: this share of customers who ordered in the
# last 45 days (where is my parcel?), a smaller share of older buyers (returns, accounts).
SUPPORT_LOOKBACK_DAYS = 45
SUPPORT_SHARE_RECENT = 0.15
SUPPORT_SHARE_EARLIER = 0.03
SWEEP_MINUTES = 5  # the order sweep runs this often
FAILED_SHARE = 0.004  # addresses the relay refused for good (5xx at RCPT)
ANSWER_RATE = {Kind.NPS: 0.32, Kind.CSAT: 0.38}
OPEN_WITHOUT_ANSWER = 0.22
COMMENT_RATE = {Band.LOW: 0.62, Band.MID: 0.42, Band.HIGH: 0.3}
TWO_SENTENCES = 0.25
IN_ENGLISH = 0.05  # comments written in English by customers of another language
FAR_COUNTRIES = {"CN", "TW", "HK", "IR"}  # shipped internationally: slower, more delivery complaints
INSERT_CHUNK = 5000

# Chance of each band before the adjustments in `_band_weights`.
BAND_WEIGHTS = {
    Kind.NPS: {Band.LOW: 0.15, Band.MID: 0.28, Band.HIGH: 0.57},
    Kind.CSAT: {Band.LOW: 0.08, Band.MID: 0.1, Band.HIGH: 0.82},
}
# Chance of each score within its band.
SCORE_WEIGHTS = {
    Kind.NPS: {
        Band.LOW: {0: 0.07, 1: 0.03, 2: 0.05, 3: 0.07, 4: 0.1, 5: 0.26, 6: 0.42},
        Band.MID: {7: 0.45, 8: 0.55},
        Band.HIGH: {9: 0.42, 10: 0.58},
    },
    Kind.CSAT: {
        Band.LOW: {1: 0.45, 2: 0.55},
        Band.MID: {3: 1.0},
        Band.HIGH: {4: 0.38, 5: 0.62},
    },
}
# What this shop's customers write about most: fast delivery and nice packaging when
# happy, sizes and prices when lukewarm, late parcels, sizes and slow replies when not.
THEME_WEIGHTS = {
    Band.HIGH: {"delivery": 3.0, "packaging": 2.0, "quality": 2.0},
    Band.MID: {"size": 2.5, "price": 2.0, "delivery": 1.5},
    Band.LOW: {"delivery": 3.0, "size": 2.0, "service": 2.0},
}
CSAT_TEXTS = {
    "en": {"question": "How satisfied are you with the help you got from our team?"},
    "pl": {"question": "Jak bardzo jesteś zadowolony z pomocy naszego zespołu?"},
    "lv": {"question": "Cik apmierināts esat ar mūsu komandas sniegto palīdzību?"},
    "fa": {"question": "چقدر از کمکی که از تیم ما گرفتید راضی هستید؟"},
    "zh-hans": {"question": "您对我们团队提供的帮助满意吗？"},
    "zh-hant": {"question": "您對我們團隊提供的協助滿意嗎？"},
}


class SurveysExist(Exception):
    pass


@dataclass
class SurveySummary:
    invitations: int = 0
    sent: int = 0
    failed: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    responses: int = 0
    comments: int = 0
    low_scores: int = 0
    nps: float | None = None
    csat_percent: float | None = None


@dataclass(slots=True)
class _Person:
    id: int
    email: str
    email_key: str
    language: str
    country: str
    consent: str
    erased: bool
    ledger: list = field(default_factory=list)  # [(occurred_at, state)] in time order
    orders: list = field(default_factory=list)  # created_at of live orders, in time order


@dataclass(slots=True)
class _Ask:
    """One customer asked (or not) to answer one survey."""

    survey: Survey
    person: _Person
    at: datetime
    order_id: int | None = None
    refunded: bool = False
    send: int | None = None  # which CSAT list
    status: str = Invitation.Status.SENT
    reason: str = ""


@dataclass
class _World:
    store: Store
    start: datetime
    end: datetime
    people: dict[int, _Person]
    suppressed: set[str]
    last_contact: dict[int, datetime]
    window: timedelta
    allowed: set[str]


def generate_surveys(*, store: Store, seed: int, today: date_type | None = None) -> SurveySummary:
    """Give a generated store its running NPS and CSAT surveys with six months of answers.

    Deterministic for a seed and `today` (default: the current date), like
    `generate_store`. One transaction. Raises SurveysExist if the store has surveys.
    """
    if Survey.objects.filter(store=store).exists():
        raise SurveysExist(f"Store {store.slug!r} already has surveys.")
    end = datetime.combine(today or timezone.now().date(), time_type.min, tzinfo=UTC)
    rng = random.Random(f"cxloop-demo-surveys-{seed}")
    with transaction.atomic():
        flows_services.set_contact_policy(
            store=store,
            survey_window_days=ContactPolicy.DEFAULT_SURVEY_WINDOW_DAYS,
            survey_audience=ContactPolicy.Audience.NOT_OPTED_OUT,
        )
        world = _load_world(store, end - timedelta(days=HISTORY_DAYS), end)
        nps, csat = _create_surveys(world)
        asks = _nps_asks(world, nps, rng) + _csat_asks(world, csat, rng)
        asks.sort(key=lambda a: (a.at, a.person.id))
        for ask in asks:
            _apply_policy(world, ask, rng)
        invitations, responses = _build_rows(world, asks, rng)
        _insert(Invitation, invitations)
        _insert(Contact, _contacts(world, invitations))
        _insert(Response, responses)
        _insert(Event, _low_score_events(world, responses))
        _tag_low_scorers(responses)
        _write_manual_sends(world, csat, asks)
    return _summarise(asks, responses)


# -- what the store had before the surveys ---------------------------------------


def _load_world(store: Store, start: datetime, end: datetime) -> _World:
    people = {
        pk: _Person(pk, email, email_key, language, country, consent, erased is not None)
        for pk, email, email_key, language, country, consent, erased in Customer.objects.filter(store=store)
        .order_by("pk")
        .values_list("pk", "email", "email_key", "language", "country", "email_consent", "erased_at")
    }
    ledger = ConsentRecord.objects.filter(store=store).order_by("customer_id", "occurred_at", "pk")
    for customer_id, state, occurred_at in ledger.values_list("customer_id", "state", "occurred_at"):
        people[customer_id].ledger.append((occurred_at, state))
    orders = Order.objects.filter(store=store, customer__isnull=False, cancelled_at__isnull=True).order_by(
        "created_at", "pk"
    )
    for customer_id, created_at in orders.values_list("customer_id", "created_at"):
        people[customer_id].orders.append(created_at)
    contacts = Contact.objects.filter(store=store, kind=ContactKind.SURVEY, contacted_at__lt=start).order_by(
        "contacted_at"
    )
    last_contact = dict(contacts.values_list("customer_id", "contacted_at"))
    policy = flows_queries.get_contact_policy(store)
    return _World(
        store=store,
        start=start,
        end=end,
        people=people,
        suppressed=set(Suppression.objects.filter(store=store).values_list("email_digest", flat=True)),
        last_contact=last_contact,
        window=timedelta(days=policy.window_days(ContactKind.SURVEY)),
        allowed={str(state) for state in ALLOWED_CONSENT[policy.survey_audience]},
    )


def _create_surveys(world: _World) -> tuple[Survey, Survey]:
    """The two surveys, created and activated as an owner would have, dated back to the start."""
    owner = Membership.objects.filter(store=world.store, role=Membership.Role.OWNER).order_by("pk").first()
    actor = owner.user if owner else None
    nps = survey_services.create_survey(
        store=world.store, name="NPS after delivery", kind=Kind.NPS, actor=actor,
        trigger=Survey.Trigger.ORDER_FULFILLED, delay_days=NPS_DELAY_DAYS, low_score_tag="detractor",
    )  # fmt: skip
    csat = survey_services.create_survey(
        store=world.store, name="Help we gave you", kind=Kind.CSAT, actor=actor,
        trigger=Survey.Trigger.MANUAL, texts=CSAT_TEXTS, low_score_tag="unhappy-with-support",
    )  # fmt: skip
    for survey in (nps, csat):
        survey_services.activate_survey(survey=survey)
        created = world.start - timedelta(days=2)
        Survey.objects.filter(pk=survey.pk).update(
            created_at=created, updated_at=world.start, activated_at=world.start
        )
        survey.refresh_from_db()
    return nps, csat


# -- who was asked, and when -------------------------------------------------------


def _nps_asks(world: _World, survey: Survey, rng: random.Random) -> list[_Ask]:
    """Every order the sweep found due: fulfilled `delay` days before a moment it ran."""
    delay = timedelta(days=survey.delay_days)
    orders = Order.objects.filter(
        store=world.store,
        customer__isnull=False,
        cancelled_at__isnull=True,
        fulfilled_at__gte=world.start - delay,
        fulfilled_at__lt=world.end - delay,
    ).order_by("fulfilled_at", "pk")
    asks = []
    for pk, customer_id, fulfilled_at, refunded in orders.values_list(
        "pk", "customer_id", "fulfilled_at", "refunded_amount"
    ):
        due = fulfilled_at + delay
        at = due + timedelta(seconds=rng.uniform(1, SWEEP_MINUTES * 60))
        asks.append(
            _Ask(survey, world.people[customer_id], at if at < world.end else due, pk, bool(refunded))
        )
    return asks


def _csat_asks(world: _World, survey: Survey, rng: random.Random) -> list[_Ask]:
    """Every two weeks, an uploaded list of buyers who contacted support (mostly recent ones)."""
    refunded = set(
        Order.objects.filter(store=world.store, refunded_amount__gt=0).values_list("customer_id", flat=True)
    )
    asks = []
    first = world.start.replace(hour=CSAT_SEND_HOUR) + timedelta(days=NPS_DELAY_DAYS)
    send_at, send = first, 0
    while send_at < world.end:
        since = send_at - timedelta(days=SUPPORT_LOOKBACK_DAYS)
        listed = []
        for person in world.people.values():
            if not person.orders or person.orders[0] >= send_at:
                continue
            recent = _ordered_between(person, since, send_at)
            share = SUPPORT_SHARE_RECENT if recent else SUPPORT_SHARE_EARLIER
            if rng.random() < share * (3 if person.id in refunded else 1):
                listed.append(person)
        # A manual send walks its customers in id order, a few dozen a second.
        for position, person in enumerate(sorted(listed, key=lambda p: p.id)):
            at = send_at + timedelta(seconds=1 + position * 0.04)
            asks.append(_Ask(survey, person, at, refunded=person.id in refunded, send=send))
        send += 1
        send_at = first + timedelta(days=CSAT_EVERY_DAYS * send, minutes=rng.randint(-40, 90))
    return asks


def _ordered_between(person: _Person, since: datetime, until: datetime) -> bool:
    first = bisect.bisect_left(person.orders, since)
    return first < len(person.orders) and person.orders[first] < until


def _apply_policy(world: _World, ask: _Ask, rng: random.Random) -> None:
    """Decide as `flows.services.check_can_contact` would have at `ask.at`, then record the contact."""
    person = ask.person
    reason = ""
    if person.erased:
        reason = "erased"
    elif not person.email_key:
        reason = "no_email"
    elif Suppression.digest(person.email_key) in world.suppressed:
        reason = "suppressed"
    elif _consent_at(person, ask.at) not in world.allowed:
        reason = "no_consent"
    elif (last := world.last_contact.get(person.id)) is not None and last + world.window > ask.at:
        reason = "throttled"
    if reason:
        ask.status, ask.reason = Invitation.Status.SKIPPED, reason
    elif rng.random() < FAILED_SHARE:
        # The relay refused the address for good: the contact was released, so it does not count.
        ask.status, ask.reason = Invitation.Status.FAILED, "recipient_refused"
    else:
        world.last_contact[person.id] = ask.at


def _consent_at(person: _Person, at: datetime) -> str:
    """The customer's email consent at a moment, from the consent ledger."""
    state = None
    for occurred_at, recorded in person.ledger:
        if occurred_at > at:
            break
        state = recorded
    if state is None:
        return person.consent if not person.ledger else Customer.Consent.NOT_SUBSCRIBED
    return state


# -- rows --------------------------------------------------------------------------


def _build_rows(world: _World, asks: list[_Ask], rng: random.Random) -> tuple[list, list]:
    """The invitation of every ask and the response of those who answered, ids given, times decided."""
    languages: dict[tuple[int, str], str] = {}
    invitations, responses = [], []
    for ask in asks:
        key = (ask.survey.pk, ask.person.language)
        if key not in languages:
            languages[key] = pick_language(ask.survey, ask.person.language)
        invitation = _invitation(world, ask, languages[key], rng)
        invitations.append(invitation)
        if invitation.status != Invitation.Status.SENT:
            continue
        answered_at = _answer_time(invitation, ask, world.end, rng)
        if answered_at is None:
            _maybe_opened(invitation, world.end, rng)
            continue
        invitation.opened_at = max(
            invitation.sent_at + timedelta(seconds=5), answered_at - timedelta(seconds=rng.uniform(15, 240))
        )
        invitation.answered_at = answered_at
        responses.append(_response(world, ask, invitation, rng))
    _give_ids(Invitation, invitations)
    _give_ids(Response, responses)
    for invitation in invitations:
        if invitation.status == Invitation.Status.SENT:
            invitation.message_id = message_id(invitation)
    for response in responses:
        response.invitation_id = response.invitation.pk
    return invitations, responses


def _invitation(world: _World, ask: _Ask, language: str, rng: random.Random) -> Invitation:
    invitation = Invitation(
        store=world.store, survey=ask.survey, customer_id=ask.person.id, order_id=ask.order_id,
        email=ask.person.email, language=language, channel=Channel.EMAIL, status=ask.status,
        skip_reason=ask.reason if ask.status != Invitation.Status.SENT else "", created_at=ask.at,
        send_after=ask.at, expires_at=ask.at + timedelta(days=ask.survey.link_valid_days),
    )  # fmt: skip
    if ask.status == Invitation.Status.SENT:
        invitation.claimed_at = ask.at + timedelta(seconds=rng.uniform(0.2, 20))
        invitation.sent_at = invitation.claimed_at + timedelta(seconds=rng.uniform(0.05, 0.8))
        invitation.attempts = 1
    elif ask.status == Invitation.Status.FAILED:
        invitation.claimed_at = ask.at + timedelta(seconds=rng.uniform(0.2, 20))
        invitation.attempts = 1
        invitation.last_error = (
            f"SMTPRecipientsRefused: {{'{ask.person.email}': (550, b'5.1.1 Mailbox unavailable')}}"
        )
    return invitation


def _contacts(world: _World, invitations: list[Invitation]) -> list[Contact]:
    """The contact-ledger entry `invite_customer` reserved for each invitation that went out."""
    return [
        Contact(
            store=world.store,
            customer_id=invitation.customer_id,
            kind=ContactKind.SURVEY,
            reference=contact_reference(invitation),
            contacted_at=invitation.created_at,
        )
        for invitation in invitations
        if invitation.status == Invitation.Status.SENT
    ]


def _answer_time(invitation: Invitation, ask: _Ask, end: datetime, rng: random.Random) -> datetime | None:
    if rng.random() >= ANSWER_RATE[ask.survey.kind]:
        return None
    hours = rng.lognormvariate(1.4, 1.3)  # median about 4 hours, some days later
    answered_at = invitation.sent_at + timedelta(hours=hours)
    if answered_at >= min(invitation.expires_at, end):
        return None
    return answered_at


def _maybe_opened(invitation: Invitation, end: datetime, rng: random.Random) -> None:
    if rng.random() < OPEN_WITHOUT_ANSWER:
        opened_at = invitation.sent_at + timedelta(hours=rng.lognormvariate(1.0, 1.4))
        if opened_at < min(invitation.expires_at, end):
            invitation.opened_at = opened_at


def _response(world: _World, ask: _Ask, invitation: Invitation, rng: random.Random) -> Response:
    kind = ask.survey.kind
    progress = (invitation.answered_at - world.start) / (world.end - world.start)
    repeat = sum(1 for at in ask.person.orders if at <= invitation.answered_at) > 1
    weights = _band_weights(kind, ask, repeat, progress)
    band = rng.choices(list(weights), list(weights.values()))[0]
    scores = SCORE_WEIGHTS[kind][band]
    score = rng.choices(list(scores), list(scores.values()))[0]
    assert SCALES[kind].band(score) == band
    comment, comment_language = "", ""
    if rng.random() < COMMENT_RATE[band]:
        comment, comment_language = _comment(rng, invitation.language, band, kind, ask)
    handled_at = None
    if band == Band.LOW and ask.survey.low_score_rule:
        # The low-score task runs seconds after the answer is committed.
        handled_at = invitation.answered_at + timedelta(seconds=rng.uniform(1, 30))
    return Response(
        store=world.store, survey=ask.survey, invitation=invitation, customer_id=ask.person.id,
        order_id=ask.order_id, channel=invitation.channel, language=invitation.language, score=score,
        band=band, comment=comment, comment_language=comment_language, country=ask.person.country,
        is_repeat_customer=repeat, created_at=invitation.answered_at, updated_at=invitation.answered_at,
        low_score_handled_at=handled_at,
    )  # fmt: skip


def _band_weights(kind: str, ask: _Ask, repeat: bool, progress: float) -> dict[str, float]:
    """Refunds and far-away deliveries lower scores; loyal customers and the last months raise them."""
    low, mid, high = (BAND_WEIGHTS[kind][band] for band in (Band.LOW, Band.MID, Band.HIGH))
    if ask.refunded:
        low, high = low * 3.0, high * 0.6
    if ask.person.country in FAR_COUNTRIES:
        low, high = low * 1.5, high * 0.92
    if repeat:
        low, high = low * 0.75, high * 1.1
    high *= 0.92 + 0.16 * progress
    return {Band.LOW: low, Band.MID: mid, Band.HIGH: high}


def _comment(rng: random.Random, language: str, band: str, kind: str, ask: _Ask) -> tuple[str, str]:
    """A comment in the customer's language (sometimes English) about one or two themes."""
    if language not in COMMENTS or (language != "en" and rng.random() < IN_ENGLISH):
        language = "en"
    pool = COMMENTS[language][band]
    themes = list(pool)
    weights = [_theme_weight(theme, band, kind, ask) for theme in themes]
    first = rng.choices(themes, weights)[0]
    sentences = [rng.choice(pool[first])]
    if rng.random() < TWO_SENTENCES:
        others = [t for t in themes if t != first]
        second = rng.choices(others, [w for t, w in zip(themes, weights, strict=True) if t != first])[0]
        sentences.append(rng.choice(pool[second]))
    return ("" if is_chinese(language) else " ").join(sentences), language


def _theme_weight(theme: str, band: str, kind: str, ask: _Ask) -> float:
    weight = THEME_WEIGHTS[band].get(theme, 1.0)
    if kind == Kind.CSAT and theme == "service":
        weight *= 4
    if band != Band.HIGH and theme == "delivery" and ask.person.country in FAR_COUNTRIES:
        weight *= 3
    if band != Band.HIGH and theme in ("returns", "quality") and ask.refunded:
        weight *= 2.5
    return weight


def _low_score_events(world: _World, responses: list[Response]) -> list[Event]:
    """The `survey_low_score` event `services.follow_up_low_score` records for each handled answer."""
    events = []
    for response in responses:
        if response.low_score_handled_at is None:
            continue
        properties = {
            "survey_id": response.survey_id,
            "response_id": response.pk,
            "kind": response.survey.kind,
            "score": response.score,
        }
        at = response.low_score_handled_at
        events.append(
            Event(
                store=world.store,
                event_id=f"survey-low-score-{response.pk}",
                type=LOW_SCORE_EVENT,
                customer_id=response.customer_id,
                properties=properties,
                occurred_at=at,
                received_at=at,
            )  # fmt: skip
        )
    return events


def _tag_low_scorers(responses: list[Response]) -> None:
    """Add each survey's low-score tag to the customers it followed up, as `tag_customer` would."""
    tags: dict[int, list[str]] = defaultdict(list)
    for response in responses:
        if response.low_score_handled_at is not None and response.survey.low_score_tag:
            tags[response.customer_id].append(response.survey.low_score_tag)
    changed = []
    for pk, current in Customer.objects.filter(pk__in=list(tags)).values_list("pk", "tags"):
        added = [tag for tag in dict.fromkeys(tags[pk]) if tag not in current]
        if added:
            changed.append((_json_value([*current, *added]), pk))
    table = connection.ops.quote_name(Customer._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET tags = %s WHERE id = %s", changed)


def _write_manual_sends(world: _World, survey: Survey, asks: list[_Ask]) -> None:
    """One finished `ManualSend` per CSAT list, with its counts."""
    by_send: dict[int, list[_Ask]] = defaultdict(list)
    for ask in asks:
        if ask.send is not None:
            by_send[ask.send].append(ask)
    for number in sorted(by_send):
        listed = by_send[number]
        ids = [ask.person.id for ask in listed]
        skipped = Counter(ask.reason for ask in listed if ask.status != Invitation.Status.SENT)
        send = ManualSend.objects.create(
            store=world.store, survey=survey, source=ManualSend.Source.UPLOAD, customer_ids=ids,
            status=ManualSend.Status.DONE, total=len(ids), processed=len(ids),
            queued=len(ids) - sum(skipped.values()), skipped=dict(sorted(skipped.items())),
            last_customer_id=max(ids), created_by=survey.created_by, finished_at=listed[-1].at,
        )  # fmt: skip
        ManualSend.objects.filter(pk=send.pk).update(created_at=listed[0].at - timedelta(seconds=1))


def _summarise(asks: list[_Ask], responses: list[Response]) -> SurveySummary:
    summary = SurveySummary(invitations=len(asks), responses=len(responses))
    for ask in asks:
        if ask.status == Invitation.Status.SENT:
            summary.sent += 1
        elif ask.status == Invitation.Status.FAILED:
            summary.failed += 1
        else:
            summary.skipped[ask.reason] = summary.skipped.get(ask.reason, 0) + 1
    summary.comments = sum(1 for r in responses if r.comment)
    summary.low_scores = sum(1 for r in responses if r.band == Band.LOW)
    nps = [r for r in responses if r.survey.kind == Kind.NPS]
    csat = [r for r in responses if r.survey.kind == Kind.CSAT]
    if nps:
        bands = Counter(r.band for r in nps)
        summary.nps = 100 * (bands[Band.HIGH] - bands[Band.LOW]) / len(nps)
    if csat:
        summary.csat_percent = 100 * sum(1 for r in csat if r.band == Band.HIGH) / len(csat)
    return summary


# -- fast inserts ------------------------------------------------------------------
#
# `bulk_create` spends most of its time preparing each value of each row
# (measured: 40 of 48 seconds for 160,000 rows); one `executemany` with the
# values converted per column type takes a few seconds. Rows are model
# instances, so fields added later come with their defaults.


def _give_ids(model: type[Model], objects: list) -> None:
    """Reserve primary keys for rows about to be inserted (inside the transaction)."""
    if not objects:
        return
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # The project opens SQLite transactions with BEGIN IMMEDIATE: nobody else writes until commit.
            cursor.execute(f'SELECT COALESCE(MAX("id"), 0) FROM "{table}"')
            largest = cursor.fetchone()[0]
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            first = max(largest, row[0] if row else 0) + 1
            ids = range(first, first + len(objects))
        else:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, len(objects)],
            )
            ids = [row[0] for row in cursor.fetchall()]
    for obj, pk in zip(objects, ids, strict=True):
        obj.pk = pk


def _insert(model: type[Model], objects: list) -> None:
    """Insert model instances (ids given by `_give_ids`, or given here) with one executemany."""
    if not objects:
        return
    if objects[0].pk is None:
        _give_ids(model, objects)
    fields = model._meta.concrete_fields
    convert = [_converter(field) for field in fields]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    rows = [
        tuple(to_db(getattr(obj, field.attname)) for field, to_db in zip(fields, convert, strict=True))
        for obj in objects
    ]
    with connection.cursor() as cursor:
        for first in range(0, len(rows), INSERT_CHUNK):
            cursor.executemany(sql, rows[first : first + INSERT_CHUNK])


def _converter(field):
    if isinstance(field, DateTimeField):
        return _datetime_value
    if isinstance(field, JSONField):
        return _json_value
    if isinstance(field, CharField | TextField):
        return _text_value
    if isinstance(field, IntegerField | BooleanField | ForeignKey | AutoFieldMixin):
        return _as_is
    return lambda value: field.get_db_prep_save(value, connection)


def _datetime_value(value: datetime | None):
    if value is None or connection.vendor != "sqlite":
        return value
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


def _json_value(value):
    if connection.vendor == "sqlite":
        return json.dumps(value)
    from psycopg.types.json import Jsonb

    return Jsonb(value)


def _text_value(value):
    return value if value is None or type(value) is str else str(value)  # choices are str enums


def _as_is(value):
    return value
