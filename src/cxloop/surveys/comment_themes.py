"""The themes of a page of survey comments: which comments they are read from, cached, and the theme filter.

Themes (`themes.find_themes`) are read from the latest `MAX_THEME_COMMENTS`
comments of the days, score band and language, and kept in the cache until
one of those comments changes. The theme filter shows exactly the comments
its theme counted.
"""

import hashlib
from dataclasses import replace
from datetime import timedelta

from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone

from cxloop.core.models import Store

from .comments import NO_LANGUAGE, CommentFilters, filter_responses
from .models import Response, Survey
from .results import list_range_responses, store_timezone
from .themes import LanguageThemes, ThemeComment, comment_phrases, find_themes

MAX_THEME_COMMENTS = 2000
THEMES_VERSION = "2"  # change when themes are found differently, so cached ones are dropped
THEMES_CACHE_SECONDS = 24 * 3600
RECENT_DAYS = 90  # the days the results pages show unless told otherwise


def _theme_window(store: Store, survey: Survey | None, filters: CommentFilters, *, kind=None) -> QuerySet:
    """The latest comments themes are read from: the days, score band and language (search aside)."""
    responses = list_range_responses(store, survey, filters.since, filters.until, kind=kind).exclude(
        comment=""
    )
    language = "" if filters.language == NO_LANGUAGE else filters.language
    responses = filter_responses(responses, band=filters.band, language=language)
    return responses.order_by("-created_at", "-pk")[:MAX_THEME_COMMENTS]


def list_comment_themes(
    store: Store, survey: Survey | None, filters: CommentFilters, *, kind=None
) -> list[LanguageThemes]:
    """Themes of the latest comments of the days, score band and language, per language.

    Cached under the ids and change times of the comments read, so a new or
    edited comment gives fresh themes and an unchanged page costs one small query.
    """
    window = _theme_window(store, survey, filters, kind=kind)
    stamp = hashlib.sha256(THEMES_VERSION.encode())
    # The language is set by a task after the answer, without touching updated_at.
    for pk, updated_at, language in window.values_list("pk", "updated_at", "comment_language"):
        stamp.update(f"{pk}:{updated_at.timestamp()}:{language};".encode())
    key = f"surveys:themes:{store.pk}:{stamp.hexdigest()}"
    themes = cache.get(key)
    if themes is None:
        themes = find_themes(_theme_comments(window))
        cache.set(key, themes, THEMES_CACHE_SECONDS)
    return themes


def list_theme_response_ids(
    store: Store, survey: Survey | None, filters: CommentFilters, *, kind=None
) -> list[int]:
    """Ids of the comments that mention the filters' theme, among those themes are read from."""
    unthemed = replace(filters, theme="", search="")
    for group in list_comment_themes(store, survey, unthemed, kind=kind):
        for theme in group.themes:
            if theme.key == filters.theme:
                return list(theme.response_ids)
    # A theme not (or no longer) in the list: look for it in the same comments.
    return [
        comment.id
        for comment in _theme_comments(_theme_window(store, survey, unthemed, kind=kind))
        if filters.theme in comment_phrases(comment.text, comment.language)
    ]


def _theme_comments(window: QuerySet) -> list[ThemeComment]:
    rows = window.values_list("comment", "comment_language", "customer_id", "band", "pk")
    return [ThemeComment(*row) for row in rows]


def filter_by_theme(
    responses: QuerySet[Response], store: Store, survey: Survey | None, filters: CommentFilters, *, kind=None
) -> QuerySet[Response]:
    """Narrow answers to those whose comment mentions the filters' theme (all of them without one)."""
    if not filters.theme:
        return responses
    return responses.filter(pk__in=list_theme_response_ids(store, survey, filters, kind=kind))


def recent_theme_filters(store: Store, theme: str) -> CommentFilters:
    """The filters of a theme over the store's last `RECENT_DAYS` days, as the results pages start."""
    today = timezone.localtime(timezone.now(), store_timezone(store)).date()
    return CommentFilters(since=today - timedelta(days=RECENT_DAYS - 1), until=today, theme=theme)
