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

from cxloop.commerce.search_terms import fold
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
    ids = _ranked_ids(words, store, language)
    texts = ArticleText.objects.select_related("article").in_bulk(ids)
    results = []
    for pk in ids:
        text = texts[pk]
        plain = (
            nh3.clean(text.html, tags=set()).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
        )
        results.append(Result(text, highlight(text.title, words), snippet(" ".join(plain.split()), words)))
    return results


def _ranked_ids(words: list[str], store: Store, language: str) -> list[int]:
    """The page's texts, in one query: the texts matching every word (at most MAX_MATCHES), each
    published article once in the best language (the customer's, else the store's, else its first
    text), those whose title holds every word first, then in the help centre's order (the categories'
    order, then the articles' within each)."""
    vendor = connection.vendor
    if vendor == "postgresql":
        matching = "t.words_vector @@ CAST(%s AS tsquery)"
        match_value = tsquery(words)
        in_title = " AND ".join(["strpos(m.title_folded, %s) > 0"] * len(words))
    else:
        # The index asked once (a join would let SQLite probe it once per text of the store).
        matching = "t.id IN (SELECT rowid FROM helpcenter_search WHERE helpcenter_search MATCH %s)"
        match_value = fts5_query(words)
        in_title = " AND ".join(["instr(m.title_folded, %s) > 0"] * len(words))
    sql = (
        "WITH matched AS (SELECT t.id, t.article_id, t.language, t.title_folded "
        "FROM helpcenter_articletext t "
        "WHERE t.store_id = %s AND " + matching + " LIMIT %s) "
        "SELECT m.id FROM (SELECT m.id, m.article_id, m.title_folded, c.position AS category_position, "
        "a.category_id, a.position, ROW_NUMBER() "
        "OVER (PARTITION BY m.article_id ORDER BY CASE WHEN m.language = %s THEN 0 WHEN m.language = %s "
        "THEN 1 ELSE 2 END, m.id) AS choice FROM matched m JOIN helpcenter_article a ON a.id = m.article_id "
        "JOIN helpcenter_category c ON c.id = a.category_id "
        "WHERE a.published) m WHERE m.choice = 1 ORDER BY CASE WHEN " + in_title + " THEN 0 ELSE 1 END, "
        "m.category_position, m.category_id, m.position, m.article_id, m.id LIMIT %s"
    )
    params = [store.pk, match_value, MAX_MATCHES, language, store.default_language, *words, MAX_RESULTS]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _preference(text_language: str, language: str, store: Store) -> int:
    return 0 if text_language == language else 1 if text_language == store.default_language else 2


def _matching_ids(words: list[str], store_id: int) -> list[int]:
    """The texts matching every word: the bench's baseline, the bare full-text query."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT id FROM helpcenter_articletext WHERE store_id = %s "
                "AND words_vector @@ CAST(%s AS tsquery) LIMIT %s",
                [store_id, tsquery(words), MAX_MATCHES],
            )
        else:
            cursor.execute(
                "SELECT id FROM helpcenter_articletext WHERE store_id = %s AND id IN "
                "(SELECT rowid FROM helpcenter_search WHERE helpcenter_search MATCH %s) LIMIT %s",
                [store_id, fts5_query(words), MAX_MATCHES],
            )
        return [row[0] for row in cursor.fetchall()]


# -- suggestions for a question (the chat widget) ---------------------------------

SUGGESTIONS = 3
SUGGESTION_CANDIDATES = 60  # best-ranked texts read to choose the articles from


@dataclass
class Suggestion:
    text: ArticleText
    plain_snippet: str


def suggest_articles(store: Store, question: str, *, language: str) -> list[Suggestion]:
    """Up to three published articles that best answer a question typed in the chat widget.

    Unlike the search box, a question's words need not all match: its content words (stop words of
    the visitor's and the store's language left out) are ranked by the database's full-text rank
    (SQLite's bm25, PostgreSQL's ts_rank), and each article is offered once, in the best language.
    """
    words = _content_words(search_words(question), (language, store.default_language))
    if not words:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            query = " | ".join("'" + w.replace("\\", "\\\\").replace("'", "''") + "'" for w in words)
            cursor.execute(
                "SELECT t.id, t.article_id, t.language FROM helpcenter_articletext t "
                "JOIN helpcenter_article a ON a.id = t.article_id "
                "WHERE t.store_id = %s AND a.published AND t.words_vector @@ CAST(%s AS tsquery) "
                "ORDER BY ts_rank(t.words_vector, CAST(%s AS tsquery)) DESC, t.id LIMIT %s",
                [store.pk, query, query, SUGGESTION_CANDIDATES],
            )
        else:
            query = " OR ".join('"' + w.replace('"', '""') + '"' for w in words)
            cursor.execute(
                "SELECT t.id, t.article_id, t.language FROM helpcenter_search s "
                "JOIN helpcenter_articletext t ON t.id = s.rowid "
                "JOIN helpcenter_article a ON a.id = t.article_id "
                "WHERE helpcenter_search MATCH %s AND t.store_id = %s AND a.published "
                "ORDER BY bm25(helpcenter_search), t.id LIMIT %s",
                [query, store.pk, SUGGESTION_CANDIDATES],
            )
        rows = cursor.fetchall()
    # Articles in rank order (by their best text), each in the visitor's language if it matched there.
    order: list[int] = []
    chosen: dict[int, tuple] = {}
    for row in rows:
        current = chosen.get(row[1])
        if current is None:
            order.append(row[1])
            chosen[row[1]] = row
        elif _preference(row[2], language, store) < _preference(current[2], language, store):
            chosen[row[1]] = row
    picked = [chosen[article_id][0] for article_id in order[:SUGGESTIONS]]
    texts = ArticleText.objects.select_related("article").in_bulk(picked)
    found = []
    for pk in picked:
        text = texts[pk]
        plain = (
            nh3.clean(text.html, tags=set()).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
        )
        parts = snippet(" ".join(plain.split()), words) or [(" ".join(plain.split())[:160], False)]
        found.append(Suggestion(text, "".join(part for part, _matched in parts)))
    return found


def _content_words(words: list[str], languages: tuple[str, ...]) -> list[str]:
    from cxloop.surveys.themes import stop_words

    stops = set()
    for language in languages:
        stops |= {fold(word) for word in stop_words(language or "")}
    kept = [word for word in words if word not in stops and len(word) > 1 or (word and not word.isascii())]
    return kept or words
