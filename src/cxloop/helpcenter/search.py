"""Search of a store's published articles, in the customer's language first.

    results = search_articles(store, "zwrot butów", language="pl")
    results[0].title_parts, results[0].snippet  # [(text, matched), ...] for <mark>

The words are those of the help desk's search (helpdesk.search): folded (case,
accents, Arabic letter variants, Persian digits), Chinese cut by jieba, a
ZWNJ-joined Persian word found by its parts and whole; every word must be in
the article, the last may be the start of one (search as you type). An
article matched in several languages is shown once, in the customer's
language if it matched there, else the store's, else the first matched.
Titles that match rank first.
"""

from dataclasses import dataclass

import nh3
from django.db import connection

from cxloop.core.models import Store
from cxloop.helpdesk.search import fts5_query, highlight, search_words, snippet, tsquery

from .models import ArticleText

MAX_RESULTS = 20
MAX_MATCHES = 2000  # texts read from the index for one search (a store's help centre is far smaller)


@dataclass
class Result:
    text: ArticleText
    title_parts: list[tuple[str, bool]]
    snippet: list[tuple[str, bool]] | None


def search_articles(store: Store, query: str, *, language: str) -> list[Result]:
    words = search_words(query)
    if not words:
        return []
    ids = _matching_ids(words, store.pk)
    texts = list(
        ArticleText.objects.filter(pk__in=ids, store=store, article__published=True)
        .select_related("article")
        .order_by("article__section", "article__position", "article_id", "pk")
    )
    chosen: dict[int, ArticleText] = {}
    for text in texts:
        current = chosen.get(text.article_id)
        if current is None or _preference(text, language, store) < _preference(current, language, store):
            chosen[text.article_id] = text
    results = []
    for text in chosen.values():
        parts = highlight(text.title, words)
        plain = (
            nh3.clean(text.html, tags=set()).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
        )
        results.append(Result(text, parts, snippet(" ".join(plain.split()), words)))
    results.sort(key=lambda result: not any(matched for _part, matched in result.title_parts))
    return results[:MAX_RESULTS]


def _preference(text: ArticleText, language: str, store: Store) -> int:
    return 0 if text.language == language else 1 if text.language == store.default_language else 2


def _matching_ids(words: list[str], store_id: int) -> list[int]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT id FROM helpcenter_articletext WHERE store_id = %s "
                "AND words_vector @@ CAST(%s AS tsquery) LIMIT %s",
                [store_id, tsquery(words), MAX_MATCHES],
            )
        else:
            cursor.execute(
                "SELECT s.rowid FROM helpcenter_search s JOIN helpcenter_articletext t ON t.id = s.rowid "
                "WHERE helpcenter_search MATCH %s AND t.store_id = %s LIMIT %s",
                [fts5_query(words), store_id, MAX_MATCHES],
            )
        return [row[0] for row in cursor.fetchall()]
