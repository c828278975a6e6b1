"""Recurring themes of survey comments, per language: the words and two-word phrases many comments share.

Each comment is split into words after normalising it the way its language
needs: lower case (Polish and Latvian diacritics kept: "jakość" stays
"jakość"); Persian with Arabic ye/kaf turned into Persian ones, tatweel and
short-vowel marks removed, and zero-width non-joiners (ZWNJ) kept inside
words, dropped at their edges and put between the prefix "می" / suffixes such
as "ها" and their word ("می خواهم" -> "می‌خواهم"); Chinese cut into words by
jieba, keeping words of two or more characters that do not open with a
degree word ("很快" rates, "物流" names).
Stop words (stopwords-iso lists) and numbers are dropped. A phrase is two
kept words next to each other in the comment, separated by one space
(nothing in Chinese), so searching the comments for it finds them.

A theme is ranked by how many comments mention it (at least two; phrases
first among equals); a word whose phrase is mentioned by exactly as many
comments is left out as adding nothing. Words are counted case- and ZWNJ-insensitively and shown in
their most common spelling.

    >>> themes = find_themes([("物流很快，包装很好", "zh-hans"), ("物流太慢了，包装破损", "zh-hans")])
    >>> [theme.text for theme in themes[0].themes]
    ['包装', '物流']
"""

import functools
import logging
import re
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import stopwordsiso

from .comments import fold_text

MIN_COMMENTS = 2
THEMES_PER_LANGUAGE = 15

# Store words the generic lists treat as stop words ("in order to").
_NOT_STOP_WORDS = {"en": {"order", "orders", "ordered", "thanks", "thank", "great", "good", "value"}}
# Chinese words that open with a degree word or a negation ("很快", "太慢", "不太") rate something
# rather than name it; and a few words stopwords-iso lacks.
_CHINESE_DEGREE_WORDS = ("很", "太", "非常", "特别", "比较", "挺", "真", "超", "有点", "不太", "还")
_CHINESE_STOP_WORDS = {"下次", "以后", "东西", "一下", "时候"}
_WORD = re.compile(r"[^\W\d_]+(?:[\u200c'’][^\W\d_]+)*")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_PERSIAN_PREFIX = re.compile(r"(?<!\S)(ن?می) +(?=\S)")
_PERSIAN_SUFFIX = re.compile(r"(?<=\S) +(ها|های|هایی|تر|ترین|ام|ای|اید|ایم)(?!\S)")


@dataclass(frozen=True)
class Theme:
    text: str
    comments: int
    is_phrase: bool


@dataclass
class LanguageThemes:
    language: str
    comments: int
    themes: list[Theme]


def normalize_comment(text: str, language: str) -> str:
    """The comment as themes read it: lower case, and Persian letters and ZWNJ put right."""
    text = (text or "").lower()
    if _base(language) == "fa":
        text = text.translate(_PERSIAN_TABLE)
        text = re.sub("\u200c+", "\u200c", text)
        text = re.sub(r"\u200c(?=[\s\W])|(?<=[\s\W])\u200c|^\u200c|\u200c$", "", text)
        text = _PERSIAN_PREFIX.sub("\\1\u200c", text)
        text = _PERSIAN_SUFFIX.sub("\u200c\\1", text)
    return text


_PERSIAN_TABLE = str.maketrans(
    {"\u064a": "\u06cc", "\u0643": "\u06a9", "\u0649": "\u06cc", "\u0640": None}
    | dict.fromkeys((chr(code) for code in range(0x064B, 0x0653)), None)
)


def _base(language: str) -> str:
    return (language or "").split("-")[0]


@functools.cache
def stop_words(language: str) -> frozenset[str]:
    """The language's stop words, normalised like the comments (empty for a language without a list)."""
    base = _base(language)
    if not base or not stopwordsiso.has_lang(base):
        return frozenset()
    words = {fold_text(normalize_comment(word, language)) for word in stopwordsiso.stopwords(base)}
    if base == "zh":
        words |= _CHINESE_STOP_WORDS
    return frozenset(words - _NOT_STOP_WORDS.get(base, set()))


def split_words(text: str, language: str) -> list[tuple[str, bool]]:
    """The comment's words in order, each with whether it could name a theme.

    Consecutive entries are neighbours in the text (only a space between, or
    nothing in Chinese); a None entry marks a break (punctuation, a number).
    """
    text = normalize_comment(text, language)
    if _base(language) == "zh":
        return _split_chinese(text)
    stops = stop_words(language)
    words: list = []
    end = 0
    for match in _WORD.finditer(text):
        if words and text[end : match.start()] != " ":
            words.append(None)
        word = match.group()
        words.append((word, len(word) > 1 and fold_text(word) not in stops))
        end = match.end()
    return words


@functools.cache
def _jieba():
    """jieba with its dictionary loaded: about 2 s and 100 MB once per process, at the first Chinese text."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # jieba 0.42 has regexes Python 3.12 warns about
        import jieba
    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def _split_chinese(text: str) -> list:
    stops = stop_words("zh")
    words: list = []
    for word in _jieba().lcut(text):
        if not _HAN.search(word):
            words.append(None)
            continue
        keep = len(word) > 1 and word not in stops and not word.startswith(_CHINESE_DEGREE_WORDS)
        words.append((word, keep))
    return words


def comment_terms(text: str, language: str) -> dict[str, tuple[str, tuple[str, ...]]]:
    """The themes one comment mentions: {counting key: (spelling in this comment, keys of its words)}."""
    joiner = "" if _base(language) == "zh" else " "
    terms: dict[str, tuple[str, tuple[str, ...]]] = {}
    previous = None
    for entry in split_words(text, language):
        if entry is None or not entry[1]:
            previous = None
            continue
        word, key = entry[0], fold_text(entry[0])
        terms.setdefault(key, (word, (key,)))
        if previous is not None:
            terms.setdefault(
                fold_text(previous[0] + joiner + word), (previous[0] + joiner + word, (previous[1], key))
            )
        previous = (word, key)
    return terms


def find_themes(
    comments: Iterable[tuple[str, str]], *, min_comments: int = MIN_COMMENTS, limit: int = THEMES_PER_LANGUAGE
) -> list[LanguageThemes]:
    """Themes of (comment, language) pairs, per language, languages with most comments first.

    Comments of no detected language ("") are left out.
    """
    counts: dict[str, Counter] = defaultdict(Counter)
    spellings: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    parts: dict[str, dict[str, tuple[str, ...]]] = defaultdict(dict)
    totals: Counter = Counter()
    for text, language in comments:
        if not language or not text:
            continue
        totals[language] += 1
        for key, (spelling, words) in comment_terms(text, language).items():
            counts[language][key] += 1
            spellings[language][key][spelling] += 1
            parts[language][key] = words
    return [
        LanguageThemes(
            language,
            totals[language],
            _rank(counts[language], spellings[language], parts[language], min_comments, limit),
        )
        for language in sorted(totals, key=lambda code: (-totals[code], code))
    ]


def _rank(counts: Counter, spellings: dict, parts: dict, min_comments: int, limit: int) -> list[Theme]:
    frequent = {key: n for key, n in counts.items() if n >= min_comments}
    # A word adds nothing when a phrase holding it is mentioned by as many comments.
    covered = {
        word
        for key, n in frequent.items()
        if len(parts[key]) > 1
        for word in parts[key]
        if frequent.get(word) == n
    }
    themes = [
        Theme(text=spellings[key].most_common(1)[0][0], comments=n, is_phrase=len(parts[key]) > 1)
        for key, n in frequent.items()
        if key not in covered
    ]
    themes.sort(key=lambda theme: (-theme.comments, not theme.is_phrase, theme.text))
    return themes[:limit]
