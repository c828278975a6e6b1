"""A store's help-desk settings, and the business hours its SLA clocks and reports count in.

settings = settings_for(store)        # made with defaults on first use
hours = business_hours(store)         # hours.BusinessHours, in the store's timezone
"""

from ..hours import BusinessHours, HoursError
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
