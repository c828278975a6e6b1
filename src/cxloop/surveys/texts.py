"""What a survey says to a customer, in the customer's language.

Each survey kind ships default texts, translated like the rest of cxloop
(locale/<lang>/LC_MESSAGES/django.po; English, Polish, Latvian, Persian,
Simplified and Traditional Chinese today). An owner may rewrite any text per language in the builder;
those overrides live in `Survey.texts`::

    {"pl": {"question": "Czy poleciłbyś nas znajomym?"}}

For each field the first of these wins: the owner's text in the customer's
language, the shipped text in that language, the owner's text in the
store's language, the shipped text in the store's language.
"""

import functools
import json
from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from cxloop.core.languages import normalize_language
from cxloop.core.store_settings import language_for_country

from .scoring import Kind

SHIPPED_LANGUAGES = [code for code, _name in settings.LANGUAGES]

EDITABLE_FIELDS = (
    "question",
    "scale_low_label",
    "scale_high_label",
    "follow_up_low",
    "follow_up_mid",
    "follow_up_high",
    "email_subject",
    "email_intro",
    "thank_you",
)
MAX_TEXT_LENGTH = 500

_COMMON = {
    "follow_up_low": _("We are sorry to hear that. What went wrong?"),
    "follow_up_mid": _("What could we do better?"),
    "follow_up_high": _("Thank you! What did you love?"),
    "email_subject": _("%(store)s would love your feedback"),
    "email_intro": _("Thank you for shopping with %(store)s. Could you answer one quick question?"),
    "thank_you": _("Thank you for your feedback!"),
}
DEFAULTS = {
    Kind.NPS: _COMMON
    | {
        "question": _("How likely are you to recommend %(store)s to a friend or colleague?"),
        "scale_low_label": _("Not at all likely"),
        "scale_high_label": _("Extremely likely"),
    },
    Kind.CSAT: _COMMON
    | {
        "question": _("How satisfied are you with your recent experience with %(store)s?"),
        "scale_low_label": _("Very dissatisfied"),
        "scale_high_label": _("Very satisfied"),
    },
    Kind.CES: _COMMON
    | {
        "question": _("%(store)s made it easy for me to handle my issue."),
        "scale_low_label": _("Strongly disagree"),
        "scale_high_label": _("Strongly agree"),
        "follow_up_low": _("We are sorry. What made it hard?"),
    },
    Kind.CUSTOM: _COMMON | {"question": "", "scale_low_label": "", "scale_high_label": ""},
}


@dataclass(frozen=True)
class SurveyTexts:
    language: str
    rtl: bool
    question: str
    scale_low_label: str
    scale_high_label: str
    follow_up_low: str
    follow_up_mid: str
    follow_up_high: str
    email_subject: str
    email_intro: str
    thank_you: str

    def follow_up(self, band: str) -> str:
        return getattr(self, f"follow_up_{band}", "") if band else ""


def pick_language(survey, customer_language: str, country: str = "") -> str:
    """The language to ask in: the customer's if the survey speaks it; for a customer
    whose language is not known, the store's language for their country (Store.country_languages);
    else the store's language."""
    wanted = normalize_language(customer_language)
    for candidate in (wanted, wanted.split("-")[0]):
        if candidate and (candidate in SHIPPED_LANGUAGES or candidate in (survey.texts or {})):
            return candidate
    if not wanted and (by_country := language_for_country(survey.store, country)):
        return by_country
    return normalize_language(survey.store.default_language) or settings.LANGUAGE_CODE


def _shipped(kind: str, field: str, language: str, store_name: str) -> str:
    if language not in SHIPPED_LANGUAGES:
        return ""
    text = DEFAULTS[kind][field]
    if not text:
        return ""
    with translation.override(language):
        return str(text) % {"store": store_name}


def build_texts(survey, language: str) -> SurveyTexts:
    """Every customer-facing text of a survey in one language, with the fallbacks above."""
    store = survey.store
    overrides = json.dumps(survey.texts or {}, sort_keys=True)
    return _built_texts(survey.kind, language, store.name, store.default_language, overrides)


# Built once per process for each survey wording: every answer page would otherwise look up and
# translate a dozen texts. The key is everything the texts depend on (the owner's overrides
# included), so an edited survey or a renamed store simply misses.
@functools.lru_cache(maxsize=1024)
def _built_texts(kind: str, language: str, store_name: str, store_language: str, overrides_json: str):
    fallback = normalize_language(store_language) or settings.LANGUAGE_CODE
    overrides = json.loads(overrides_json)
    values = {}
    for field in EDITABLE_FIELDS:
        values[field] = (
            overrides.get(language, {}).get(field)
            or _shipped(kind, field, language, store_name)
            or overrides.get(fallback, {}).get(field)
            or _shipped(kind, field, fallback, store_name)
            or _shipped(kind, field, "en", store_name)
        )
    rtl = translation.get_language_info(language)["bidi"] if _known(language) else False
    return SurveyTexts(language=language, rtl=rtl, **values)


def _known(language: str) -> bool:
    try:
        translation.get_language_info(language)
    except KeyError:
        return False
    return True


def localized(texts: dict, language: str, store_language: str) -> str:
    """A text of a custom question in the page's language, else the store's, English, or any."""
    if not isinstance(texts, dict):
        return ""
    store_language = normalize_language(store_language)
    for candidate in (language, language.split("-")[0], store_language, "en"):
        if texts.get(candidate):
            return str(texts[candidate])
    return next((str(value) for value in texts.values() if value), "")
