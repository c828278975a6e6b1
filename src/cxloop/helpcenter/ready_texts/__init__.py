"""The words of the ready templates, one module per shipped language: content, not gettext strings.

Each module holds:

    NOTE         the line that opens every body: a template, to complete before publishing
    LEGAL_NOTE   added to it for the privacy policy and the terms: not legal advice
    SIZE_LABELS  the size chart's column names, and how a header joins measure and unit
    TEXTS        {slug: {"title": ..., "body": Markdown}}; the size chart's body names its tables
                 {tops}, {trousers} and {shoes}, made in ready_templates.py

A blank the owner fills is written `[[what goes here]]` in every language, translated inside.
"""

from . import en, fa, lv, pl, zh_hans, zh_hant

BY_LANGUAGE = {"en": en, "pl": pl, "lv": lv, "fa": fa, "zh-hans": zh_hans, "zh-hant": zh_hant}
