"""Counting what customers read and search for in the help centre (for its report).

One counter row per text and day, and per (language, query, found) and day: a page view is
one UPDATE, or an INSERT the first time that day. Counting never fails a page: an error is
logged and the page is shown. Queries are kept folded and cut to 100 characters, and only for
settings.CXLOOP_HELP_SEARCHES_KEEP_DAYS (400): what a customer typed may hold a name or an
order number, so the daily `prune_searches_task` deletes older days (views are bare counts and stay).
"""

import logging
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from cxloop.commerce.search_terms import fold
from cxloop.core.formats import store_zone

from .models import ArticleText, ArticleViewDay, SearchDay

logger = logging.getLogger(__name__)
MAX_QUERY = 100


def _today(store):
    return timezone.now().astimezone(store_zone(store)).date()


def count_view(text: ArticleText, store) -> None:
    day = _today(store)
    _bump(ArticleViewDay, {"store_id": store.pk, "text_id": text.pk, "day": day}, "views")


def count_search(store, query: str, *, language: str, found: bool) -> None:
    folded = " ".join(fold(query).split())[:MAX_QUERY]
    if not folded:
        return
    keys = {"store_id": store.pk, "day": _today(store), "language": language, "query": folded, "found": found}
    _bump(SearchDay, keys, "searches")


def _bump(model, keys: dict, field: str) -> None:
    try:
        for _attempt in range(2):
            if model.objects.filter(**keys).update(**{field: F(field) + 1}):
                return
            try:
                with transaction.atomic():
                    model.objects.create(**keys, **{field: 1})
                return
            except IntegrityError:  # another request made today's row first: count on it
                continue
    except Exception:  # a count is not worth a failed page
        logger.warning("Help centre count not recorded", exc_info=True)


def prune_searches(*, today: date | None = None) -> int:
    """Delete every store's searches older than CXLOOP_HELP_SEARCHES_KEEP_DAYS; the number of rows."""
    today = today or timezone.now().date()
    before = today - timedelta(days=settings.CXLOOP_HELP_SEARCHES_KEEP_DAYS)
    deleted, _by_model = SearchDay.objects.filter(day__lt=before).delete()
    return deleted
