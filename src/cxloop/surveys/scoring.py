"""Survey kinds, their score scales and score bands.

    NPS   0-10  detractor 0-6, passive 7-8, promoter 9-10
    CSAT  1-5   low 1-2, neutral 3, high 4-5 (CSAT % = share of 4-5)
    CES   1-7   low (hard) 1-3, neutral 4, high (easy) 5-7 (reported as the mean)

Every kind maps its scores onto three bands, low / mid / high, so follow-up
questions, the low-score rule and the results share one vocabulary; the UI
names them in each kind's words (detractor / passive / promoter for NPS).
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    NPS = "nps", _("NPS")
    CSAT = "csat", _("CSAT")
    CES = "ces", _("CES")
    CUSTOM = "custom", _("Custom")


class Band(models.TextChoices):
    LOW = "low", _("Low")
    MID = "mid", _("Neutral")
    HIGH = "high", _("High")


@dataclass(frozen=True)
class Scale:
    low: int
    high: int
    mid_from: int  # first score of the mid band
    high_from: int  # first score of the high band

    @property
    def scores(self) -> range:
        return range(self.low, self.high + 1)

    def band(self, score: int) -> str:
        if score >= self.high_from:
            return Band.HIGH
        if score >= self.mid_from:
            return Band.MID
        return Band.LOW


SCALES = {
    Kind.NPS: Scale(low=0, high=10, mid_from=7, high_from=9),
    Kind.CSAT: Scale(low=1, high=5, mid_from=3, high_from=4),
    Kind.CES: Scale(low=1, high=7, mid_from=4, high_from=5),
}

BAND_NAMES = {
    Kind.NPS: {Band.LOW: _("Detractor"), Band.MID: _("Passive"), Band.HIGH: _("Promoter")},
    Kind.CSAT: {Band.LOW: _("Unsatisfied"), Band.MID: _("Neutral"), Band.HIGH: _("Satisfied")},
    Kind.CES: {Band.LOW: _("Hard"), Band.MID: _("Neutral"), Band.HIGH: _("Easy")},
}

# Persian and Arabic-Indic digits a phone keyboard may send for a score.
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")


class ScoreError(ValueError):
    pass


def parse_score(kind: str, raw) -> int:
    """The integer score in the kind's scale, from a form or JSON value; ScoreError otherwise.

    Accepts an int or a string of ASCII, Persian or Arabic-Indic digits
    ("۱۰" is 10). Refuses booleans, fractions, signs, blanks and anything
    outside the scale.
    """
    scale = SCALES.get(kind)
    if scale is None:
        raise ScoreError("this survey has no score question")
    if isinstance(raw, bool):
        raise ScoreError("not a whole number")
    if isinstance(raw, str):
        text = raw.translate(_DIGITS)
        if not (text.isascii() and text.isdigit() and len(text) <= 2):
            raise ScoreError("not a whole number")
        raw = int(text)
    if not isinstance(raw, int):
        raise ScoreError("not a whole number")
    if raw not in scale.scores:
        raise ScoreError(f"must be between {scale.low} and {scale.high}")
    return raw
