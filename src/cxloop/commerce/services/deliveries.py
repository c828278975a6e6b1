"""The webhook delivery log, which is also the idempotency record."""

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from cxloop.core.models import Store

from ..models import WebhookDelivery

MAX_LOGGED_REJECTIONS_PER_STORE = 1000


def start_delivery(
    *,
    store: Store,
    platform: str,
    delivery_id: str,
    topic: str,
    webhook_id: str = "",
    body_sha256: str | None = None,
) -> tuple[WebhookDelivery, bool]:
    """Record a verified delivery; return (delivery, is_new).

    A delivery already recorded under the same event id, or with the same
    signed body (`body_sha256`, when the platform signs the body), is a
    duplicate: the first one is returned with is_new=False. The unsigned event
    id alone is not enough, since anyone holding one signed delivery can
    resend it under a new id. Call inside the transaction that applies the
    delivery, so the id and digest are only taken if the delivery's effect is
    committed with them.
    """
    first = _first_seen(store, platform, delivery_id, body_sha256)
    if first is not None:
        return first, False
    try:
        with transaction.atomic():
            delivery = WebhookDelivery.objects.create(
                store=store,
                platform=platform,
                delivery_id=delivery_id,
                body_sha256=body_sha256,
                topic=topic[:100],
                webhook_id=webhook_id[:200],
                status=WebhookDelivery.Status.PROCESSED,
                attempts=1,
            )
    except IntegrityError:
        # Another request recorded the same delivery meanwhile (PostgreSQL).
        first = _first_seen(store, platform, delivery_id, body_sha256)
        if first is None:
            raise
        return first, False
    return delivery, True


def _first_seen(
    store: Store, platform: str, delivery_id: str, body_sha256: str | None
) -> WebhookDelivery | None:
    seen = Q(delivery_id=delivery_id)
    if body_sha256:
        seen |= Q(body_sha256=body_sha256)
    return WebhookDelivery.objects.filter(seen, store=store, platform=platform).order_by("pk").first()


def finish_delivery(delivery: WebhookDelivery, status: str, reason: str = "", body: str = "") -> None:
    delivery.status = status
    delivery.reason = reason[:500]
    delivery.body = body
    delivery.processed_at = timezone.now() if status != WebhookDelivery.Status.PENDING else None
    delivery.save(update_fields=["status", "reason", "body", "processed_at"])


def record_rejected_delivery(*, store: Store, platform: str, topic: str, status: str, reason: str) -> None:
    """Log a refused delivery (bad signature or bad payload) for the integrations page.

    It keeps no event id and no body: a forged delivery can never use up the
    genuine delivery's id, and nothing the sender said is kept.
    """
    WebhookDelivery.objects.create(
        store=store,
        platform=platform,
        topic=str(topic)[:100],
        delivery_id=None,
        status=status,
        reason=reason[:500],
    )
    _trim_rejections(store)


def _trim_rejections(store: Store) -> None:
    rejected = WebhookDelivery.objects.filter(store=store, delivery_id__isnull=True)
    cutoff = rejected.order_by("-id").values_list("id", flat=True)[
        MAX_LOGGED_REJECTIONS_PER_STORE : MAX_LOGGED_REJECTIONS_PER_STORE + 1
    ]
    if cutoff:
        rejected.filter(id__lte=cutoff[0]).delete()
