"""Which language a customer wrote in: a survey comment, a help-desk message.

Surveys detect each comment's language (surveys.tasks) for themes and filters; the
help desk detects a new conversation's for routing by language (helpdesk.services.intake).

Chinese, Japanese and Korean are told by their script alone; every other
text goes to lingua's detector, restricted to the languages stores see.

Simplified (zh-hans) and Traditional (zh-hant) Chinese share most of their
characters: a text is counted character by character against CC-CEDICT's
lists (through zhon), and the script with more characters of its own wins
("包装" is Simplified only, "包裝" Traditional only). A text of shared
characters alone ("衣服太小了", "好") could be either: it takes the Chinese of
the page it was written on (`hint`), and Simplified when that was not Chinese.

The detector runs in lingua's low-accuracy mode (trigram models only): for
about twenty languages it loads in about 0.2 s, adds about 35 MB to the
process and answers in well under a millisecond, where the high-accuracy
mode took 5 s and about 590 MB (measured on lingua 2.1, Python 3.11;
py3langid took 1.2 s and 120 MB and mistook short Persian for Arabic). On short
comments of the five shipped languages it still names the right language,
and when it is unsure it says nothing ("": unknown; surveys show "Not detected"
and leave it out of themes) rather than guess: when two languages score too close
("ok thanks" is not Lithuanian), or when the likeliest language has less than
`MINIMUM_CONFIDENCE` of the confidence among the candidates, which is what a
few words usually get ("Polecam!" is not English, "As described" is not
Portuguese, "Iesaku šo veikalu" is not Lithuanian).

    >>> detect_language("Dostawa była szybka, a opakowanie świetne.")
    'pl'
    >>> detect_language("物流很快，包装很好")
    'zh-hans'
    >>> detect_language("物流很快，包裝很好")
    'zh-hant'
    >>> detect_language("衣服太小了", hint="zh-hant")
    'zh-hant'
"""

import functools
import unicodedata

from lingua import IsoCode639_1, Language, LanguageDetectorBuilder
from zhon import cedict

from cxloop.core.languages import SIMPLIFIED_CHINESE, TRADITIONAL_CHINESE, is_chinese

# ISO 639-1 codes of the languages a text may be detected as.
DETECTED_LANGUAGES = (
    "en", "pl", "lv", "fa", "ar", "de", "ru", "uk", "lt", "et", "fr",
    "es", "it", "nl", "pt", "cs", "sv", "tr",
)  # fmt: skip

# Below this relative distance between the two likeliest languages, say "".
MINIMUM_DISTANCE = 0.1
# Below this confidence (0..1, shared among DETECTED_LANGUAGES) in the likeliest language, say "".
# Measured on short comments: wrong guesses scored 0.35 to 0.60, right ones 0.73 and up
# (core/tests/test_language_detection.py holds the cases).
MINIMUM_CONFIDENCE = 0.7

# Scripts that name their language on their own.
_SCRIPT_LANGUAGE = {"HIRAGANA": "ja", "KATAKANA": "ja", "HANGUL": "ko"}


def warm() -> None:
    """Build the detector now (about 150 ms and 28 MB): a server does it before its first message."""
    _detector()


@functools.cache
def _detector():
    """Built once per process, on first use (processes that never detect a language never load it)."""
    languages = [Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in DETECTED_LANGUAGES]
    return (
        LanguageDetectorBuilder.from_languages(*languages)
        .with_low_accuracy_mode()
        .with_minimum_relative_distance(MINIMUM_DISTANCE)
        .build()
    )


def _script_counts(text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for char in text:
        if char.isalpha():
            script = unicodedata.name(char, "").split(" ")[0]
            counts[script] = counts.get(script, 0) + 1
    return counts


@functools.cache
def _script_only_characters() -> tuple[frozenset[str], frozenset[str]]:
    """Characters only Simplified writes (about 2,300) and only Traditional writes (about 2,700)."""
    simplified, traditional = set(cedict.simplified), set(cedict.traditional)
    return frozenset(simplified - traditional), frozenset(traditional - simplified)


def chinese_script(text: str, hint: str = "") -> str:
    """zh-hans or zh-hant, by which script's own characters the text has more of.

    A tie (most often: no character of either script's own) goes to `hint` when
    it names a Chinese, else to zh-hans.
    """
    simplified_only, traditional_only = _script_only_characters()
    simplified = sum(char in simplified_only for char in text)
    traditional = sum(char in traditional_only for char in text)
    if simplified != traditional:
        return SIMPLIFIED_CHINESE if simplified > traditional else TRADITIONAL_CHINESE
    return hint if is_chinese(hint) else SIMPLIFIED_CHINESE


def detect_language(text: str, hint: str = "") -> str:
    """A language code for a text ("en", "pl", "fa", "zh-hans", "zh-hant", ...), or "" when unsure.

    `hint` is the language of the page the text was written on; it only
    settles Chinese that either script could have written.
    """
    counts = _script_counts(text or "")
    if not counts:
        return ""
    for script, language in _SCRIPT_LANGUAGE.items():
        if counts.get(script):
            return language
    if max(counts, key=counts.get) == "CJK":
        return chinese_script(text, hint)
    # One pass of the detector: its confidence values, best first (detect_language_of and then
    # compute_language_confidence would read the text twice for the same answer).
    values = _detector().compute_language_confidence_values(text)
    if not values or values[0].value < MINIMUM_CONFIDENCE:
        return ""
    if len(values) > 1 and values[1].value == values[0].value:  # a tie: no answer, as detect_language_of
        return ""
    return values[0].language.iso_code_639_1.name.lower()
