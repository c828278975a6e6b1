"""A store's help-desk settings, and the business hours its SLA clocks and reports count in.

settings = settings_for(store)        # made with defaults on first use
hours = business_hours(store)         # hours.BusinessHours, in the store's timezone
"""

from django.db import transaction
from django.utils.translation import gettext as _

from cxloop.core.errors import InvalidInput

from ..hours import DAYS, BusinessHours, HoursError
from ..models import DeskSettings


def settings_for(store) -> DeskSettings:
    settings, _created = DeskSettings.objects.get_or_create(store=store)
    return settings


def business_hours(store, settings: DeskSettings | None = None) -> BusinessHours:
    """The store's opening hours; always open (in the store's zone) when none are set.

    The zone is always the store's own (a stored "zone" is ignored), so
    changing the store's timezone moves the hours with it. Hours are checked
    when saved, so a stored value that no longer parses (a
    zone removed from tzdata) falls back to always open rather than failing
    every page that counts time.
    """
    data = (settings or settings_for(store)).business_hours
    if not data:
        return BusinessHours.always(store.timezone or "UTC")
    try:
        return BusinessHours.from_json({**data, "zone": store.timezone or "UTC"})
    except HoursError:
        return BusinessHours.always(store.timezone or "UTC")


# The settings page

WEEKDAY_FIELDS = DAYS  # one text field per weekday: "09:00-12:00, 13:00-17:00"
MAX_RETENTION_MONTHS = 1200
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")


def hours_from_text(week: dict[str, str], holidays: str) -> dict:
    """The stored shape (hours.py, without zone) from the settings form's text.

    A day reads "09:00-12:00, 13:00-17:00" (empty: closed; Persian digits and
    "–" are fine); holidays are dates like 2026-12-25, one per line or comma
    separated. Every day empty and no holidays means always open: ``{}``.
    Raises HoursError naming the field: ``week.mon[1]``, ``holidays[0]``.
    """
    parsed_week = {}
    for day in DAYS:
        text = (week.get(day) or "").translate(_DIGITS).replace("–", "-").replace("—", "-")
        intervals = []
        for i, part in enumerate(p.strip() for p in text.replace(";", ",").split(",")):
            if not part:
                continue
            start, dash, end = part.partition("-")
            if not dash:
                raise HoursError(f"week.{day}[{i}]", _("write each interval like 09:00-17:00"))
            intervals.append([start.strip(), end.strip()])
        if intervals:
            parsed_week[day] = intervals
    dates = [d.strip() for d in holidays.translate(_DIGITS).replace(",", "\n").splitlines() if d.strip()]
    if not parsed_week and not dates:
        return {}
    return {"week": parsed_week, "holidays": dates}


def hours_as_text(data: dict) -> tuple[dict[str, str], str]:
    """The settings form's text for stored hours (the reverse of ``hours_from_text``)."""
    week = {day: ", ".join(f"{a}-{b}" for a, b in (data.get("week") or {}).get(day, [])) for day in DAYS}
    return week, "\n".join(data.get("holidays") or [])


@transaction.atomic
def save_desk_settings(*, store, hours: dict, attachment_retention_months: str) -> DeskSettings:
    """Check and save the store's business hours and attachment retention (blank keeps attachments).

    Hours are checked by ``BusinessHours.from_json`` in the store's zone and
    stored without it. When they change, the store's open conversations get
    their SLA due times recomputed after commit. Raises InvalidInput naming the
    field (``week.mon[1]``, ``holidays[0]``, ``attachment_retention_months``).
    """
    retention = _retention(attachment_retention_months)
    stored = {}
    if hours:
        try:
            checked = BusinessHours.from_json({**hours, "zone": store.timezone or "UTC"})
        except HoursError as error:
            raise InvalidInput(error.message, field=error.field) from None
        stored = {key: value for key, value in checked.to_json().items() if key != "zone"}
        stored["week"] = {day: intervals for day, intervals in stored["week"].items() if intervals}
    settings = settings_for(store)
    changed_hours = settings.business_hours != stored
    settings.business_hours = stored
    settings.attachment_retention_months = retention
    settings.save(update_fields=["business_hours", "attachment_retention_months", "updated_at"])
    if changed_hours:
        from .sla import schedule_recompute

        schedule_recompute(store)
    return settings


def _retention(value: str) -> int | None:
    value = str(value or "").translate(_DIGITS).strip()
    if not value:
        return None
    if not value.isdecimal() or not 1 <= int(value) <= MAX_RETENTION_MONTHS:
        message = _("Enter a number of months from 1 to 1200, or leave it empty to keep attachments.")
        raise InvalidInput(message, field="attachment_retention_months")
    return int(value)
