"""Invite customers to a survey: by hand, on a schedule after orders, after a help-desk conversation.

Every invitation passes the store's contact-pressure policy
(`flows.services.reserve_contact`): at most one survey per customer per
window across all surveys, nobody who opted out (or never opted in, when
the store requires it), no suppressed or erased address. A refused customer
still gets an invitation row, status "skipped" with the reason, so the
owner sees who was not asked and why; nothing is retried later (a skipped
send is dropped, as survey tools do).

Email goes out from a task enqueued after commit (`send_invitation_task`).
"""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from cxloop.commerce.models import Customer, Order
from cxloop.core.models import Store
from cxloop.flows import services as flows_services
from cxloop.flows.models import ContactKind

from ..errors import SurveyClosed
from ..models import Channel, Invitation, Survey
from ..texts import pick_language

ORDER_SWEEP_BATCH = 500


@dataclass
class InviteSummary:
    queued: list[Invitation] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)

    def add(self, invitation: Invitation) -> None:
        if invitation.status == Invitation.Status.SKIPPED:
            self.skipped[invitation.skip_reason] = self.skipped.get(invitation.skip_reason, 0) + 1
        else:
            self.queued.append(invitation)


def is_sampled(survey: Survey, customer_id: int) -> bool:
    """Whether a customer falls inside the survey's sampling rate (stable per survey and customer)."""
    if survey.sampling_percent >= 100:
        return True
    digest = hashlib.blake2b(f"{survey.pk}:{customer_id}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") % 100 < survey.sampling_percent


def check_open(survey: Survey) -> None:
    if not survey.is_open:
        raise SurveyClosed("The survey is not active.")


@transaction.atomic
def invite_customer(
    *,
    survey: Survey,
    customer: Customer,
    channel: str = Channel.EMAIL,
    order: Order | None = None,
    reference: str = "",
    now: datetime | None = None,
    enqueue: bool = True,
) -> Invitation:
    """Invite one customer (queued) or record why not (skipped). Raises SurveyClosed.

    Within one survey an order is invited once: a second call for the same
    order returns the first invitation. With `enqueue=False` the caller
    queues the send (in a batch, `batches.enqueue_batch`).
    """
    check_open(survey)
    now = now or timezone.now()
    if order is not None:
        existing = Invitation.objects.filter(survey=survey, order=order).first()
        if existing is not None:
            return existing
    invitation = Invitation(
        store=survey.store,
        survey=survey,
        customer=customer,
        order=order,
        reference=reference,
        email=customer.email,
        language=pick_language(survey, customer.language, customer.country),
        channel=channel,
        created_at=now,
        send_after=now,
        expires_at=now + timedelta(days=survey.link_valid_days),
    )
    invitation.skip_reason = _refusal(survey, customer, invitation.nonce, now)
    if invitation.skip_reason:
        invitation.status = Invitation.Status.SKIPPED
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:
        # The same order invited concurrently: the other call won.
        flows_services.release_contact(store=survey.store, reference=f"survey-invitation:{invitation.nonce}")
        return Invitation.objects.get(survey=survey, order=order)
    if enqueue and is_sent_by_task(invitation):
        _enqueue_send(invitation)
    return invitation


def _refusal(survey: Survey, customer: Customer, nonce: str, now: datetime) -> str:
    if not is_sampled(survey, customer.pk):
        return "sampled_out"
    try:
        flows_services.reserve_contact(
            store=survey.store,
            customer=customer,
            kind=ContactKind.SURVEY,
            reference=f"survey-invitation:{nonce}",
            now=now,
        )
    except flows_services.ContactRefused as refused:
        return refused.reason
    return ""


def is_sent_by_task(invitation: Invitation) -> bool:
    """Whether a send task emails this invitation (queued, by email or after a conversation)."""
    return invitation.status == Invitation.Status.QUEUED and invitation.channel in (
        Channel.EMAIL,
        Channel.HELPDESK,
    )


def _enqueue_send(invitation: Invitation) -> None:
    from ..tasks import send_invitation_task

    invitation_id = invitation.pk
    transaction.on_commit(lambda: send_invitation_task.enqueue(invitation_id))


def invite_customers(
    *, survey: Survey, customers: Iterable[Customer], channel: str = Channel.EMAIL, now=None
) -> InviteSummary:
    """Invite many customers (a manual send to a filtered list or an uploaded list of emails).

    Each customer is its own transaction, so a long send survives a crash
    half-way: running it again invites only the customers not yet invited
    (the window refuses the rest as throttled).
    """
    check_open(survey)
    summary = InviteSummary()
    for customer in customers:
        summary.add(invite_customer(survey=survey, customer=customer, channel=channel, now=now))
    return summary


def invite_after_conversation(
    *, store: Store, customer: Customer, conversation_reference: str, now=None
) -> list[Invitation]:
    """The help desk's hook: invite the customer to every active "after a conversation" survey.

    A conversation is asked about once per survey: resolved again after a reopen, it invites no one
    (the contact policy also keeps a customer from being asked too often).
    """
    asked = Invitation.objects.filter(store=store, reference=conversation_reference).values("survey_id")
    surveys = Survey.objects.filter(
        store=store, status=Survey.Status.ACTIVE, trigger=Survey.Trigger.HELPDESK_RESOLVED
    ).exclude(pk__in=asked)
    return [
        invite_customer(
            survey=survey,
            customer=customer,
            channel=Channel.HELPDESK,
            reference=conversation_reference,
            now=now,
        )
        for survey in surveys
    ]


def schedule_order_invitations(*, store: Store, now: datetime | None = None) -> int:
    """Invite customers whose order was placed or fulfilled the survey's delay ago. Returns the count.

    Safe to run any time and any number of times (the worker runs it every
    few minutes): an order is invited once per survey, cancelled orders and
    orders without a customer never, and orders whose moment came before the
    survey was activated are left alone, so turning a survey on does not
    mail last year's customers.
    """
    now = now or timezone.now()
    count = 0
    surveys = Survey.objects.filter(
        store=store,
        status=Survey.Status.ACTIVE,
        trigger__in=[Survey.Trigger.ORDER_PLACED, Survey.Trigger.ORDER_FULFILLED],
    ).select_related("store")
    for survey in surveys:
        for order in _due_orders(survey, now):
            invite_customer(survey=survey, customer=order.customer, order=order, now=now)
            count += 1
    return count


def _due_orders(survey: Survey, now: datetime):
    moment = "fulfilled_at" if survey.trigger == Survey.Trigger.ORDER_FULFILLED else "created_at"
    delay = timedelta(days=survey.delay_days)
    already = Invitation.objects.filter(survey=survey, order=OuterRef("pk"))
    return (
        Order.objects.filter(
            Q(**{f"{moment}__lte": now - delay}),
            Q(**{f"{moment}__gte": survey.activated_at - delay}),
            store=survey.store,
            customer__isnull=False,
            cancelled_at__isnull=True,
        )
        .exclude(Exists(already))
        .select_related("customer")
        .order_by(moment)[:ORDER_SWEEP_BATCH]
    )
