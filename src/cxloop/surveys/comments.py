"""Survey comments: the filters of the comment list and the text search behind them.

The search finds a piece of text anywhere in a comment, ignoring case in
every script ("ŁÓDŹ" finds "łódź") and the ways Persian is typed: Arabic
ye and kaf (ي ك) match Persian ones (ی ک), and zero-width non-joiners,
tatweel and short-vowel marks are ignored. Both sides are folded the same
way: `fold_text` in Python for the search term and themes, `Folded` in SQL
for the stored comments.
"""

import unicodedata
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Func, QuerySet, TextField

from cxloop.core.models import Store

from .models import Response, Survey
from .results import list_range_responses

MAX_SEARCH_LENGTH = 200
NO_LANGUAGE = "none"  # the language filter's value for comments of no detected language

_PERSIAN_LETTERS = {"\u064a": "\u06cc", "\u0643": "\u06a9", "\u0649": "\u06cc"}  # ي ك ى -> ی ک ی
_IGNORED = ["\u200c", "\u0640", *(chr(code) for code in range(0x064B, 0x0653))]  # ZWNJ, tatweel, harakat
_FOLD_TABLE = str.maketrans({**_PERSIAN_LETTERS, **dict.fromkeys(_IGNORED)})


def fold_text(text: str) -> str:
    """Lower-cased text with Persian letters unified and invisible marks removed (diacritics of
    Latin letters are kept: "ą" stays "ą")."""
    return unicodedata.normalize("NFC", text or "").lower().translate(_FOLD_TABLE)


class Folded(Func):
    """`fold_text` of a text column, in SQL: Python's own on SQLite, LOWER and TRANSLATE on PostgreSQL."""

    output_field = TextField()
    arity = 1

    def as_sqlite(self, compiler, connection, **extra):
        connection.ensure_connection()
        connection.connection.create_function("cxloop_fold", 1, fold_text, deterministic=True)
        return self.as_sql(compiler, connection, function="cxloop_fold", **extra)

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        source = "".join(_PERSIAN_LETTERS) + "".join(_IGNORED)
        target = "".join(_PERSIAN_LETTERS.values())
        return f"TRANSLATE(LOWER({sql}), %s, %s)", [*params, source, target]


@dataclass(frozen=True)
class CommentFilters:
    since: date
    until: date
    band: str = ""
    language: str = ""
    search: str = ""
    theme: str = ""  # a theme's key (`Theme.key`)

    @property
    def is_narrowed(self) -> bool:
        return bool(self.band or self.language or self.search or self.theme)


def filter_responses(responses: QuerySet[Response], *, band="", language="", search="") -> QuerySet[Response]:
    """Narrow answers to a score band, a comment language (NO_LANGUAGE: none detected) and a text."""
    if band:
        responses = responses.filter(band=band)
    if language == NO_LANGUAGE:
        responses = responses.filter(comment_language="")
    elif language:
        responses = responses.filter(comment_language=language)
    term = fold_text(search.strip())[:MAX_SEARCH_LENGTH]
    if term:
        responses = responses.alias(folded_comment=Folded("comment")).filter(folded_comment__contains=term)
    return responses


def list_comments(
    store: Store, survey: Survey | None, filters: CommentFilters, *, kind: str | None = None
) -> QuerySet[Response]:
    """Answers with a comment, newest first, within the store, the days and the filters."""
    responses = list_range_responses(store, survey, filters.since, filters.until, kind=kind).exclude(
        comment=""
    )
    responses = filter_responses(
        responses, band=filters.band, language=filters.language, search=filters.search
    )
    return responses.select_related("customer", "survey").order_by("-created_at", "-pk")


def list_comment_languages(
    store: Store, survey: Survey | None, since: date, until: date, *, kind=None
) -> list[str]:
    """The detected languages of the comments in the days, most common first ("" for none detected)."""
    rows = (
        list_range_responses(store, survey, since, until, kind=kind)
        .exclude(comment="")
        .values("comment_language")
        .annotate(n=Count("id"))
        .order_by("-n", "comment_language")
    )
    return [row["comment_language"] for row in rows]
