"""The conversion funnel by the device its sessions came from, and by their UTM medium.

    rows = build_funnel_devices(store, days=30)  # GroupRow per device class, bots last
    rows = build_funnel_mediums(store, days=30)  # GroupRow per utm_medium (cpc, email, ...), 8 and the rest

A session's *device* is the class of its first event in the period, by (time, id), as its channel
is (analytics.funnels): the class commerce.devices gave the browser that sent the event, from the
request's User-Agent ("mobile", "tablet", "desktop", "bot"; "" when not known: no User-Agent, or
an event a server sent). The steps are metrics.FUNNEL_STEPS, counted as the funnel by channel
counts them. Crawlers are shown, as a store wants to know how many there are, but after the rest.
"""

from datetime import datetime

import ibis
from ibis import _
from ibis.expr import types as ir

from cxloop.commerce.devices import BOT

from .funnels import GroupRow, Steps, _first_of, _steps, top_groups
from .metrics import FUNNEL_STEPS, Tables, _within
from .reports import _range, engine


def funnel_by_device(
    t: Tables, store_id: int, since: datetime, until: datetime, column: str = "device"
) -> ir.Table:
    """Per device class of the period's sessions a column per step of FUNNEL_STEPS: the sessions that
    reached it in the period. `device` is the class of the session's first event ("" or null: not
    known). Sessions without a step are left out. With `column` "medium", the same per the first
    event's UTM medium (null: none), in a column `device`."""
    events = t.events
    events = events.filter(
        events.store_id == store_id, _within(events.occurred_at, since, until), events.session_id != ""
    )
    sessions = events.group_by("session_id").aggregate(
        first_at=_.occurred_at.min(),
        **{step: ibis.ifelse(_.type == step, 1, 0).max() for step in FUNNEL_STEPS},
    )
    sessions = sessions.filter(ibis.greatest(*(sessions[step] for step in FUNNEL_STEPS)) > 0)
    devices = _first_of(events, sessions, "first_at", column, "device")
    sessions = sessions.join(devices, "session_id")
    return sessions.group_by("device").aggregate(**{step: _[step].sum() for step in FUNNEL_STEPS})


def device_rows(found: dict[str, Steps]) -> list[GroupRow]:
    """The classes with the most sessions first (a tie by name), then the unknown, then the bots."""

    def order(item):
        name, steps = item
        return (name == BOT, name == "", -steps.sessions, name)

    return [GroupRow(name, steps) for name, steps in sorted(found.items(), key=order)]


def build_funnel_devices(
    store, *, days: int = 30, now: datetime | None = None, backend=None, tables=None, period=None
) -> list[GroupRow]:
    """The funnel of the last `days` days (or of `period`, a reports.Period) by device class."""
    return device_rows(_by_first(store, "device", days, now, backend, tables, period))


def build_funnel_mediums(
    store, *, days: int = 30, now: datetime | None = None, backend=None, tables=None, period=None
) -> list[GroupRow]:
    """The funnel of the last `days` days (or of `period`) by the UTM medium of the sessions' first
    events: the CHANNELS with the most sessions (a tie by name), then the rest together; "" for none."""
    return top_groups(_by_first(store, "medium", days, now, backend, tables, period))


def _by_first(store, column: str, days: int, now, backend, tables, period) -> dict[str, Steps]:
    """The steps per value of the sessions' first events' `column` ("" for none)."""
    since, until = _range(store, days, period, now)
    with engine(backend, tables) as (backend, tables):
        expr = funnel_by_device(tables, store.pk, since, until, column=column)
        rows = backend.to_pyarrow(expr).to_pylist()
    found: dict[str, Steps] = {}
    for row in rows:
        name = row["device"] or ""
        found[name] = found.get(name, Steps()) + _steps(row)
    return found
