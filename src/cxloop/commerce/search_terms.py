"""Search terms: the folded words a customer can be found by.

A customer is found by any word of their name and of their email's local part,
typed without diacritics or capitals, from its start:

    >>> fold("Żółkiewski")
    'zolkiewski'
    >>> sorted(build_terms("Māra", "Bērziņa", "m.berzina+shop@example.lv"))
    ['berzina', 'm', 'mara', 'shop']
    >>> query_words("  BĒRZ  mā ")
    ['berz', 'ma']

Folding (`fold`): NFKD, case-folded, combining marks dropped (ā→a, ņ→n, ó→o),
plus the letters NFKD keeps whole (ł→l, ø→o, đ→d, ß→ss, æ→ae, ...); Arabic
yeh and kaf become their Persian forms (ي→ی, ك→ک), tatweel and invisible
format characters go, and Arabic-Indic digits become 0-9. Chinese, Japanese
and Korean text keeps its letters (kana keep their voicing marks).

Terms (`build_terms`): every word of the first and last name and of the
email's local part (split on anything but letters and digits: . _ - + ' and
ZWNJ), a hyphenated or ZWNJ-joined name also whole without its separators
("o'brien" → "o", "brien", "obrien"), and a Chinese, Japanese or Korean name
also family name first without a space (王 + 秀英 → "王秀英"). A search
matches a customer when each of its words starts one of their terms.
"""

import functools
import re
import sys
import unicodedata

# Longest term kept; a longer word is cut (a search for it still matches its start).
MAX_TERM = 64
# Words of a search beyond this many are ignored.
MAX_QUERY_WORDS = 8
# Letters that NFKD leaves whole, written as their plain Latin letters.
LETTERS = str.maketrans({
    "ł": "l", "ø": "o", "đ": "d", "ð": "d", "ħ": "h", "ŧ": "t", "ı": "i", "ƚ": "l", "ƀ": "b",
    "æ": "ae", "œ": "oe", "þ": "th", "ŋ": "n", "ĸ": "k", "ȥ": "z", "ɨ": "i", "ʉ": "u",
    "ي": "ی", "ى": "ی", "ك": "ک", "ـ": "",
    **{chr(0x0660 + d): str(d) for d in range(10)}, **{chr(0x06F0 + d): str(d) for d in range(10)},
})  # fmt: skip
ZWNJ = "\u200c"
# Kana voicing marks are part of the letter (ガ is not カ); every other mark is an accent.
KANA_MARKS = {"\u3099", "\u309a"}
WORD = re.compile(r"[^\W_]+")
CJK_NAME = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]+")


def fold(text: str) -> str:
    """Text as search compares it: without case, accents or letter variants (see the module)."""
    if text.isascii():  # no marks, format characters or letter variants: case is all there is
        return text.lower()
    for _ in range(3):  # one pass is enough for every name seen; more make fold idempotent
        folded = _fold_once(text)
        if folded == text:
            break
        text = folded
    return folded


def _fold_once(text: str) -> str:
    letters, marks = _tables()
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    return unicodedata.normalize("NFC", text.translate(letters)).translate(marks)


@functools.cache
def _tables() -> tuple[dict[int, str | None], dict[int, None]]:
    """str.translate tables, made once per process from the Unicode database (about 0.3 s): LETTERS
    plus every combining mark but the kana voicing marks and every format character but ZWNJ
    dropped; and, after NFC, every combining mark left dropped."""
    combining = [c for c in map(chr, range(sys.maxunicode + 1)) if unicodedata.combining(c)]
    formats = [c for c in map(chr, range(sys.maxunicode + 1)) if unicodedata.category(c) == "Cf"]
    letters = dict(LETTERS)
    letters.update({ord(c): None for c in [*combining, *formats] if c not in KANA_MARKS and c != ZWNJ})
    return letters, {ord(c): None for c in combining}


def words(text: str) -> list[str]:
    """The words of folded text, in order: runs of letters and digits."""
    return WORD.findall(text)


def build_terms(first_name: str, last_name: str, email: str) -> set[str]:
    """The terms a customer with this name and email is found by (see the module)."""
    terms: set[str] = set()
    for part in (first_name, last_name):
        for chunk in fold(part).split():
            pieces = words(chunk)
            terms.update(pieces)
            if len(pieces) > 1:
                terms.add("".join(pieces))
    family_first = fold(last_name.strip() + first_name.strip())
    if first_name.strip() and CJK_NAME.fullmatch(family_first):
        terms.add(family_first)
    local = email.rpartition("@")[0] if "@" in email else email
    terms.update(words(fold(local)))
    return {term[:MAX_TERM] for term in terms}


def query_words(search: str) -> list[str]:
    """The words of a search, folded, each to be found at the start of some term."""
    found = []
    for word in words(fold(search)):
        word = word[:MAX_TERM]
        if word not in found:
            found.append(word)
    return found[:MAX_QUERY_WORDS]
