"""Recurring themes of survey comments, per language: phrases that several different customers used.

A theme is a phrase of two or three words, or a single word, that at least
`min_customers(n)` different customers wrote (a customer counts once however
often they repeat a comment; an anonymous answer counts as its own
customer). The phrases of a comment are its runs of two or three
neighbouring words (no punctuation or number between them) that neither
start nor end with a stop word ("quality of service" is one, "of service" is
not). A single word is a theme only when it names something (no stop word,
two letters or more) and twice as many customers used it. A shorter phrase
is left out when a longer one was used by exactly the same customers ("fast
delivery" stays, "delivery" goes, unless other customers wrote "delivery"
alone; of a sentence several customers wrote alike, one phrase shows).

Words are read the way each language needs:

- English, Polish, Latvian and the other Latin or Cyrillic languages: lower
  case, split on anything that is not a letter; stop words from stopwords-iso.
- Persian: Arabic ye and kaf turned into Persian ones, tatweel and short
  vowels dropped, zero-width non-joiners (ZWNJ) kept inside words and put
  between "می" / "ها" and their word ("می خواهم" -> "می‌خواهم"); stop words
  from stopwords-iso plus the common verb forms it lacks.
- Chinese, Simplified (zh-hans) and Traditional (zh-hant): cut into words by
  jieba. Traditional text is cut in its Simplified form (OpenCC), which jieba's
  dictionary and the stop-word list know, and shown as written. A single word
  needs two characters or more and must not open with a degree word ("很快"
  rates, "物流" names); a phrase may end with a rating ("物流很快", "包装很好").

Phrases are counted diacritic- and case-insensitively ("jakosc" is "jakość",
"Ātra" is "atra"), ZWNJ-insensitively, and shown in their most common spelling.

    >>> themes = find_themes([ThemeComment("物流很快", "zh-hans", customer=n) for n in range(3)])
    >>> [(theme.text, theme.customers) for theme in themes[0].themes]
    [('物流很快', 3)]
"""

import functools
import logging
import re
import unicodedata
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

import stopwordsiso

from .comments import fold_text

SMALL_SAMPLE = 20  # fewer customers than this wrote in a language: two customers make a theme
MIN_CUSTOMERS = 3  # otherwise at least three, or one in 200 customers when more wrote
CUSTOMERS_PER_EXTRA = 200
WORD_FACTOR = 2  # a single word needs twice the customers of a phrase
MAX_PHRASE_WORDS = 3
THEMES_PER_LANGUAGE = 15

# Store words the generic lists treat as stop words ("in order to").
_NOT_STOP_WORDS = {
    "en": {"order", "orders", "ordered", "thanks", "thank", "great", "good", "value"},
    # Ratings a Chinese phrase may end with ("包装很好"); never a theme alone (one character).
    "zh": {"好", "快", "慢", "大", "小", "多", "少", "贵", "新"},
}
# Verb forms and fillers stopwords-iso lacks, compared after folding (ZWNJ removed).
_EXTRA_STOP_WORDS = {
    "en": {"bit", "lot", "lots"},
    "fa": {
        "رو", "برام", "براتون", "بهم", "ازش", "یه", "دیگه", "اینو", "اونو", "دستم", "میمونم", "کردن",
        "دادن", "ندادن", "گرفتم", "میکنم", "میکند", "میکنه", "میکنیم", "نمیکنم", "نمیکند", "نمیکنه",
        "کردم", "کردند", "کرده",
        "کردیم", "شده", "شدم", "شدند", "شدیم", "بودند", "هستند", "بودیم", "خواهم", "خواهد", "میخواهم",
        "میشه", "میشود", "نمیشه", "داره", "داشت", "داشتم", "بدم", "بدهم", "دادم", "اومد", "آمد", "رسید",
    },
    "zh": {"下次", "以后", "东西", "一下", "时候", "还会", "觉得", "感觉", "真的"},
}  # fmt: skip
# Chinese words that open with a degree word or a negation ("很快", "太慢", "不太") rate something
# rather than name it: no theme alone, and no phrase opens with one.
_CHINESE_DEGREE_WORDS = ("很", "太", "非常", "特别", "比较", "挺", "真", "超", "有点", "不太", "还")
_WORD = re.compile(r"[^\W\d_]+(?:[\u200c'’][^\W\d_]+)*")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_PERSIAN_PREFIX = re.compile(r"(?<!\S)(ن?می) +(?=\S)")
_PERSIAN_SUFFIX = re.compile(r"(?<=\S) +(ها|های|هایی|تر|ترین|ام|ای|اید|ایم)(?!\S)")
_UNMARKED = str.maketrans({"ł": "l", "Ł": "l", "ø": "o", "đ": "d", "ß": "ss"})


class ThemeComment(NamedTuple):
    """One comment as themes read it: who wrote it matters, not how often."""

    text: str
    language: str
    customer: object = None  # None: anonymous, counted as its own customer
    band: str = ""
    id: int | None = None


@dataclass(frozen=True)
class Theme:
    key: str  # the counting form: what the comment list's theme filter takes
    text: str  # the most common spelling
    customers: int
    is_phrase: bool
    high: int = 0  # customers whose answer was in the high / low band (promoters / detractors)
    low: int = 0
    response_ids: tuple = ()  # every comment that mentions it, newest first

    @property
    def high_share(self) -> int:
        return round(100 * self.high / self.customers) if self.customers else 0

    @property
    def low_share(self) -> int:
        return round(100 * self.low / self.customers) if self.customers else 0


@dataclass
class LanguageThemes:
    language: str
    comments: int
    customers: int = 0
    min_customers: int = MIN_CUSTOMERS
    themes: list[Theme] = field(default_factory=list)


class _Token(NamedTuple):
    text: str  # as written (lower case)
    key: str  # as counted
    is_stop: bool
    can_start: bool  # may open a phrase or stand alone


def min_customers(customers: int) -> int:
    """How many different customers make a theme, among `customers` who wrote in the language."""
    if customers < SMALL_SAMPLE:
        return 2
    return max(MIN_CUSTOMERS, -(-customers // CUSTOMERS_PER_EXTRA))


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


@functools.lru_cache(maxsize=200_000)  # a language's words repeat: the hot spot of cutting comments
def theme_key(text: str) -> str:
    """The form phrases are counted in: folded (`fold_text`) and without diacritics ("Jakość" -> "jakosc")."""
    decomposed = unicodedata.normalize("NFKD", (text or "").translate(_UNMARKED))
    return fold_text("".join(char for char in decomposed if not unicodedata.combining(char)))


def _base(language: str) -> str:
    return (language or "").split("-")[0]


@functools.cache
def stop_words(language: str) -> frozenset[str]:
    """The language's stop words as counted (`theme_key`); empty for a language without a list."""
    base = _base(language)
    words = set(_EXTRA_STOP_WORDS.get(base, ()))
    if base and stopwordsiso.has_lang(base):
        words |= set(stopwordsiso.stopwords(base))
    keys = {theme_key(normalize_comment(word, language)) for word in words}
    return frozenset(keys - {theme_key(word) for word in _NOT_STOP_WORDS.get(base, ())})


def split_words(text: str, language: str) -> list[_Token | None]:
    """The comment's words in order; None marks a break (punctuation, a number) no phrase crosses."""
    text = normalize_comment(text, language)
    if _base(language) == "zh":
        return _split_chinese(text, traditional=language == "zh-hant")
    stops = stop_words(language)
    words: list[_Token | None] = []
    end = 0
    for match in _WORD.finditer(text):
        if words and text[end : match.start()] != " ":
            words.append(None)
        word = match.group()
        key = theme_key(word)
        is_stop = key in stops
        words.append(_Token(word, key, is_stop, not is_stop and len(word) > 1))
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


@functools.cache
def _to_simplified():
    import opencc

    return opencc.OpenCC("t2s").convert


def _split_chinese(text: str, *, traditional: bool) -> list[_Token | None]:
    simplified = _to_simplified()(text) if traditional else text
    if len(simplified) != len(text):  # a conversion that changed the length: cut the text as written
        simplified = text
    stops = stop_words("zh")
    words: list[_Token | None] = []
    start = 0
    for word in _jieba().lcut(simplified):
        written, start = text[start : start + len(word)], start + len(word)
        if not _HAN.search(word):
            words.append(None)
            continue
        is_stop = word in stops
        can_start = not is_stop and len(word) > 1 and not word.startswith(_CHINESE_DEGREE_WORDS)
        words.append(_Token(written, theme_key(word), is_stop, can_start))
    return words


@functools.lru_cache(maxsize=20_000)  # short comments ("Fast delivery") come back word for word
def comment_phrases(text: str, language: str) -> dict[str, tuple[str, int]]:
    """The phrases and words a comment could share: {key: (spelling here, number of words)}."""
    joiner = "" if _base(language) == "zh" else " "
    found: dict[str, tuple[str, int]] = {}
    run: list[_Token] = []
    for token in [*split_words(text, language), None]:
        if token is not None:
            run.append(token)
            continue
        for start, first in enumerate(run):
            if not first.can_start:
                continue
            found.setdefault(first.key, (first.text, 1))
            for end in range(start + 1, min(start + MAX_PHRASE_WORDS, len(run))):
                if not run[end].is_stop:
                    words = run[start : end + 1]
                    key = " ".join(word.key for word in words)
                    found.setdefault(key, (joiner.join(word.text for word in words), len(words)))
        run = []
    return found


def find_themes(
    comments: Iterable[ThemeComment], *, limit: int = THEMES_PER_LANGUAGE
) -> list[LanguageThemes]:
    """Themes of comments (newest first), per language, languages with most comments first.

    Comments of no detected language ("") are left out.
    """
    groups: dict[str, list[ThemeComment]] = defaultdict(list)
    for comment in comments:
        if comment.language and comment.text:
            groups[comment.language].append(comment)
    found = [_language_themes(language, group, limit) for language, group in groups.items()]
    return sorted(found, key=lambda group: (-group.comments, group.language))


def _language_themes(language: str, comments: list[ThemeComment], limit: int) -> LanguageThemes:
    customers: dict[object, dict[str, str]] = defaultdict(dict)  # customer -> key -> band (newest)
    spellings: dict[str, Counter] = defaultdict(Counter)
    sizes: dict[str, int] = {}
    ids: dict[str, list] = defaultdict(list)
    for index, comment in enumerate(comments):
        who = comment.customer if comment.customer is not None else ("anonymous", comment.id, index)
        mentioned = customers[who]
        for key, (spelling, size) in comment_phrases(comment.text, language).items():
            mentioned.setdefault(key, comment.band)
            spellings[key][spelling] += 1
            sizes[key] = size
            ids[key].append(comment.id)
    counts: Counter = Counter()
    bands: dict[str, Counter] = defaultdict(Counter)
    for mentioned in customers.values():
        counts.update(mentioned.keys())
        for key, band in mentioned.items():
            bands[key][band] += 1
    needed = min_customers(len(customers))
    keys = _keep(counts, sizes, needed, customers)
    themes = [
        Theme(
            key=key,
            text=spellings[key].most_common(1)[0][0],
            customers=counts[key],
            is_phrase=sizes[key] > 1,
            high=bands[key]["high"],
            low=bands[key]["low"],
            response_ids=tuple(i for i in ids[key] if i is not None),
        )
        for key in keys
    ]
    themes.sort(key=lambda theme: (-theme.customers, not theme.is_phrase, theme.text))
    return LanguageThemes(language, len(comments), len(customers), needed, themes[:limit])


def _keep(counts: Counter, sizes: dict[str, int], needed: int, customers: dict) -> list[str]:
    """The keys used by enough customers, one per set of customers: the phrase of most words.

    Phrases used by exactly the same customers say one thing: a shorter one
    inside a longer one ("delivery" in "fast delivery"), or pieces of one
    sentence that several customers wrote alike.
    """
    frequent = {key for key, n in counts.items() if n >= (needed if sizes[key] > 1 else needed * WORD_FACTOR)}
    who: dict[str, list] = defaultdict(list)
    for customer, mentioned in customers.items():
        for key in frequent.intersection(mentioned):
            who[key].append(customer)
    best: dict[frozenset, str] = {}
    for key in frequent:
        group = frozenset(who[key])
        if group not in best or _fullness(key) > _fullness(best[group]):
            best[group] = key
    return list(best.values())


def _fullness(key: str) -> tuple:
    return (key.count(" "), len(key), key)
