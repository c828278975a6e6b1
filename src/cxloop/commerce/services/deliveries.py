"""The webhook delivery log, which is also the idempotency record."""

from django.utils import timezone

from cxloop.core.models import Store

from ..models import WebhookDelivery

MAX_LOGGED_REJECTIONS_PER_STORE = 1000


def start_delivery(
    *, store: Store, platform: str, delivery_id: str, topic: str, webhook_id: str = ""
) -> tuple[WebhookDelivery, bool]:
    """Record a verified delivery by its event id; return (delivery, is_new).

    A retry of a delivery already recorded returns the first one with
    is_new=False. Call inside the transaction that applies the delivery, so the
    id is only taken if the delivery's effect is committed with it.
    """
    return WebhookDelivery.objects.get_or_create(
        store=store,
        platform=platform,
        delivery_id=delivery_id,
        defaults={
            "topic": topic[:100],
            "webhook_id": webhook_id[:200],
            "status": WebhookDelivery.Status.PROCESSED,
            "attempts": 1,
        },
    )


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
