"""Which language a survey comment is written in."""

import unicodedata

# Scripts that name their language on their own; Latin-script text needs a model.
_SCRIPT_LANGUAGE = {"ARABIC": "fa", "CJK": "zh-hans", "HIRAGANA": "ja", "KATAKANA": "ja", "HANGUL": "ko"}


def detect_comment_language(text: str) -> str:
    """A language code for a comment, or "" when unsure."""
    counts: dict[str, int] = {}
    for char in text:
        if char.isalpha():
            script = unicodedata.name(char, "").split(" ")[0]
            counts[script] = counts.get(script, 0) + 1
    if not counts:
        return ""
    script = max(counts, key=counts.get)
    return _SCRIPT_LANGUAGE.get(script, "")
