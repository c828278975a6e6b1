"""Checks for customer-supplied text that would be stored and shown to staff.

Bidirectional override and isolate controls (U+202A-U+202E, U+2066-U+2069)
can make a name or file name read differently from what it is ("Trojan
Source"); C0 controls other than tab and newline have no place in names.
Ordinary right-to-left text (Persian, Arabic, Hebrew) is of course fine.
"""

import unicodedata

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def find_forbidden_character(value: str, *, allow_newlines: bool = False) -> str | None:
    """Return a description of the first disallowed character, or None."""
    for char in value:
        if char in BIDI_CONTROLS:
            return f"bidirectional control character U+{ord(char):04X}"
        if unicodedata.category(char) == "Cc" and not (allow_newlines and char in "\t\r\n"):
            return f"control character U+{ord(char):04X}"
    return None
