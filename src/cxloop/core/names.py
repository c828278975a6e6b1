"""Names people read instead of the codes and parts stored: languages, countries, persons.

Stored values stay codes ("zh-hans", "US") and name parts; pages show them
through these, in the language of whoever reads the page.
"""

import re
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from django.utils import translation

# Han, kana, Hangul: scripts whose personal names are written family name
# first with no space between the parts (王伟, 山田太郎, 김민준).
_FAMILY_FIRST_SCRIPT = re.compile(
    "[\u1100-\u11ff\u2e80-\u2fdf\u3005\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf"
    "\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f]"
)


def person_name(first_name: str, last_name: str) -> str:
    """A person's full name as their own script writes it.

    "伟" + "王" -> "王伟"; "Anna" + "Kowalska" -> "Anna Kowalska"; either part
    alone is the name.
    """
    first, last = (first_name or "").strip(), (last_name or "").strip()
    if _FAMILY_FIRST_SCRIPT.search(first + last):
        return f"{last}{first}"
    return " ".join(part for part in (first, last) if part)


def language_name(code: str) -> str:
    """ "pl" -> "Polish" for an English reader, "polski" for a Polish one; unknown codes as stored."""
    if not code:
        return ""
    normal = code.strip().lower().replace("_", "-")
    try:
        return str(translation.get_language_info(normal)["name_translated"])
    except KeyError:
        return code


def country_name(code: str) -> str:
    """ "US" -> "United States" for an English reader, "Stany Zjednoczone" for a Polish one.

    Names come from the CLDR data Babel ships; unknown codes are shown as stored.
    """
    if not code:
        return ""
    return _territories(translation.get_language() or "en").get(code.strip().upper(), code)


@lru_cache(maxsize=32)
def _territories(language: str) -> dict[str, str]:
    try:
        locale = Locale.parse(translation.to_locale(language))
    except (UnknownLocaleError, ValueError):
        locale = Locale("en")
    return dict(locale.territories)
