"""Full-text search of conversations: the words a conversation is found by, and how a search reads.

A conversation is one search document: its subject, the contact's and the
linked customer's name and email, the senders of its messages, and the text
of every message (the new part of each, notes included: the inbox is for staff
only). Both the document and the search go through `prepare`, in Python, so
SQLite and PostgreSQL see the same words:

    >>> prepare_document("Zwrot butów — Łukasz, ćwiczę")
    'zwrot butow lukasz cwicze'
    >>> prepare_document("مي‌خواهم كفش ۴۲")
    'مي خواهم ميخواهم کفش 42'
    >>> search_words("BUTÓW zwr")
    ['butow', 'zwr']

Folding is the customers search's (`commerce.search_terms.fold`): case,
accents and letter variants go (ā→a, ļ→l, ł→l, ą→a), Arabic yeh and kaf
become Persian (ي→ی, ك→ک), tatweel and harakat go, Persian and Arabic-Indic
digits become 0-9. A word joined by ZWNJ ("می‌خواهم") is indexed by its parts
and whole, so "می خواهم", "میخواهم" and "می‌خواهم" all find it. Chinese is cut
into words by jieba (documents in its search mode, which adds the shorter words
inside longer ones, so "退货" is found inside "我想退货").

A search matches a conversation when every word of it is a word of the
document; the last word may be the start of one (the box searches as you type).

Where the words live: SQLite keeps them in the FTS5 table `helpdesk_search`
(external content: `helpdesk_searchdocument`, kept in step by triggers);
PostgreSQL in the `words` tsvector column of `helpdesk_searchdocument`
(generated from the prepared text, GIN index). `match_sql` gives the condition
for either.
"""

import functools
import json
import logging
import re
import warnings
from dataclasses import dataclass

from django.db import connection

from cxloop.commerce.search_terms import ZWNJ, fold

MAX_WORD = 64  # a longer word is cut (as customers' terms are)
MAX_QUERY_WORDS = 8  # words of a search beyond this many are ignored
MAX_QUERY_CHARS = 400  # of the typed search; the rest is ignored before folding
MAX_DOCUMENT_CHARS = 250_000  # of a conversation's prepared text (a tsvector holds at most 1 MB)
SNIPPET_SOURCE = 5000  # characters of a message a snippet is looked for in
FTS_TABLE = "helpdesk_search"

WORD = re.compile(r"[^\W_]+")
# A word and the ZWNJ-joined words after it ("می‌خواهم"), as one run.
JOINED = re.compile(r"[^\W_]+(?:\u200c[^\W_]+)+")
HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@functools.cache
def _jieba():
    """jieba with its dictionary loaded, quietly: about 2 s once per process, at the first Chinese text."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # jieba 0.42 has regexes Python 3.12 warns about
        import jieba
    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def _cut(word: str, *, for_search: bool) -> list[str]:
    """A folded word as search words: itself, or jieba's words when it holds Chinese."""
    if not HAN.search(word):
        return [word[:MAX_WORD]]
    jieba = _jieba()
    pieces = jieba.cut_for_search(word) if for_search else jieba.cut(word)
    return [piece[:MAX_WORD] for piece in pieces if WORD.fullmatch(piece)]


def _words(folded: str, *, for_search: bool) -> list[str]:
    found: list[str] = []
    for word in WORD.findall(folded):
        found.extend(_cut(word, for_search=for_search))
    return found


def prepare_document(*texts: str) -> str:
    """The words of texts as the index stores them: folded, space-separated, Chinese cut into words."""
    found: list[str] = []
    for text in texts:
        if not text:
            continue
        folded = fold(text)
        found.extend(_words(folded, for_search=True))
        for joined in JOINED.findall(folded):
            found.append(joined.replace(ZWNJ, "")[:MAX_WORD])
    return " ".join(found)[:MAX_DOCUMENT_CHARS]


def search_words(query: str) -> list[str]:
    """The words of a search, folded as documents are (ZWNJ-joined words whole), at most MAX_QUERY_WORDS."""
    folded = fold((query or "")[:MAX_QUERY_CHARS].replace("\x00", "")).replace(ZWNJ, "")
    found: list[str] = []
    for word in _words(folded, for_search=False):
        if word not in found:
            found.append(word)
    return found[:MAX_QUERY_WORDS]


def fts5_query(words: list[str], *, prefix: bool = True) -> str:
    """An FTS5 MATCH expression: every word, quoted (no FTS5 syntax survives), the last as a prefix."""
    quoted = ['"' + word.replace('"', '""') + '"' for word in words]
    if quoted and prefix:
        quoted[-1] += "*"
    return " AND ".join(quoted)


def tsquery(words: list[str]) -> str:
    """A PostgreSQL tsquery (read as written, no parser): every word quoted, the last as a prefix."""
    quoted = ["'" + word.replace("\\", "\\\\").replace("'", "''") + "'" for word in words]
    if quoted:
        quoted[-1] += ":*"
    return " & ".join(quoted)


def match_sql(vendor: str, words: list[str], store_id: int) -> tuple[str, list]:
    """SQL selecting the ids of the store's conversations whose document has every word, and its
    parameters. (On SQLite the FTS5 table has every store's: the caller's store filter narrows it.)"""
    if vendor == "postgresql":
        return (
            "SELECT conversation_id FROM helpdesk_searchdocument "
            "WHERE store_id = %s AND words @@ CAST(%s AS tsquery)",
            [store_id, tsquery(words)],
        )
    return f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [fts5_query(words)]


# A search matching more documents than this is answered on SQLite by walking the latest
# conversations and probing each against the matches, read once into a set: 25 rows are found after
# about 25 x conversations / matches probes. Fewer matches are read once, by FTS5, and their
# conversations sorted. SQLite's planner chose the sort whatever the count, and for "parcel" (a third
# of a million conversations) took 1.3 s; the set and the walk take about 130 ms.
COMMON_MATCHES = 5000


@dataclass(frozen=True, slots=True)
class Matches:
    """What a search's words match, for a condition `<id> IN (<sql>)`: `probe` asks for the id
    written `+id` on SQLite, so that the planner walks the latest conversations and probes the set."""

    sql: str
    params: list
    probe: bool = False


def find_matches(vendor: str, words: list[str], store_id: int) -> Matches:
    """The matches of `words` (not empty). At most COMMON_MATCHES + 1 are read first; up to
    COMMON_MATCHES are given as a list of ids (the full-text index is asked once), more as the
    index's query: on SQLite a set to probe, on PostgreSQL a semi-join its planner handles well.
    PostgreSQL's planner, left the query for a rare match (one customer's address among a million
    conversations), walked the latest conversations probing each and took 1.7 s."""
    sql, params = match_sql(vendor, words, store_id)
    with connection.cursor() as cursor:
        if vendor == "sqlite":
            # The words as whole words first: a prefix makes FTS5 merge every word it begins (40 ms
            # for "parcel" at a million), and a common word is common as a prefix too.
            cursor.execute(f"{sql} LIMIT %s", [fts5_query(words, prefix=False), COMMON_MATCHES + 1])
            if len(cursor.fetchall()) > COMMON_MATCHES:
                return Matches(sql, params, probe=True)
        cursor.execute(f"{sql} LIMIT %s", [*params, COMMON_MATCHES + 1])
        ids = [row[0] for row in cursor.fetchall()]
    if len(ids) > COMMON_MATCHES:
        return Matches(sql, params, probe=vendor == "sqlite")
    if vendor == "postgresql":
        return Matches("SELECT unnest(CAST(%s AS bigint[]))", [ids])
    return Matches("SELECT value FROM json_each(%s)", [json.dumps(ids)])


# Highlighting: which parts of a text a search's words were found in.


def highlight(text: str, words: list[str]) -> list[tuple[str, bool]]:
    """The text in parts, (part, matched), where a word of it starts with one of the search's words."""
    if not text or not words:
        return [(text, False)] if text else []
    return _parts(text, _matched_spans(text, words), 0, len(text))


def snippet(text: str, words: list[str], *, width: int = 160) -> list[tuple[str, bool]] | None:
    """About `width` characters of text around its first match, in highlighted parts; None without one."""
    text = " ".join((text or "")[:SNIPPET_SOURCE].split())
    spans = _matched_spans(text, words) if words else []
    if not spans:
        return None
    first = spans[0][0]
    start = max(0, first - width // 3)
    if start:
        space = text.rfind(" ", 0, start + 1)
        start = space + 1 if space >= 0 and first - space < width // 2 else start
    end = min(len(text), start + width)
    parts = _parts(text, spans, start, end)
    if start:
        parts.insert(0, ("…", False))
    if end < len(text):
        parts.append(("…", False))
    return parts


def _parts(text: str, spans: list[tuple[int, int]], start: int, end: int) -> list[tuple[str, bool]]:
    parts, at = [], start
    for span_start, span_end in spans:
        span_start, span_end = max(span_start, start), min(span_end, end)
        if span_start >= span_end:
            continue
        if span_start > at:
            parts.append((text[at:span_start], False))
        parts.append((text[span_start:span_end], True))
        at = span_end
    if at < end:
        parts.append((text[at:end], False))
    return parts


@functools.lru_cache(maxsize=50_000)
def _fold_word(word: str) -> str:
    """One written word folded (words come back all the time: "the", "order", "zamówienie")."""
    return word.lower() if word.isascii() else fold(word)


RUN = re.compile(r"[^\W_]+(?:\u200c[^\W_]+)*")


def _matched_spans(text: str, words: list[str]) -> list[tuple[int, int]]:
    starts = tuple(words)
    spans: list[tuple[int, int]] = []
    for run in RUN.finditer(text):
        original = run.group()
        if _fold_word(original).replace(ZWNJ, "").startswith(starts):
            spans.append(run.span())
            continue
        if ZWNJ not in original and not HAN.search(original):
            continue
        for piece in WORD.finditer(original):
            offset = run.start() + piece.start()
            spans.extend((offset + a, offset + b) for a, b in _matched_piece(piece.group(), words))
    return spans


def _matched_piece(piece: str, words: list[str]) -> list[tuple[int, int]]:
    folded = _fold_word(piece)
    if folded.startswith(tuple(words)):
        return [(0, len(piece))]
    if not HAN.search(piece) or len(folded) != len(piece):
        return []
    # Chinese is written without spaces: mark each place a search word stands in it.
    marks = [False] * len(piece)
    for word in words:
        start = folded.find(word)
        while start >= 0 and word:
            marks[start : start + len(word)] = [True] * len(word)
            start = folded.find(word, start + len(word))
    spans, start = [], None
    for index, marked in enumerate([*marks, False]):
        if marked and start is None:
            start = index
        elif not marked and start is not None:
            spans.append((start, index))
            start = None
    return spans
