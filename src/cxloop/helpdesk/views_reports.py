"""The help desk's reports page and its CSV tables (docs/helpdesk-reports.md).

Every member of the store may read them, agents included: the figures are
counts, times and shares of the store's own help desk, and carry no
customer's name or address. Charts are drawn on the server as SVG
(`cxloop.web.charts`), like the survey results; each table downloads as CSV
with the same period and filters.
"""

from datetime import date

from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from cxloop.core import formats, jalali_inputs
from cxloop.core.errors import InvalidInput
from cxloop.surveys.exports import neutralize, stream_csv
from cxloop.web.access import store_required, wants_partial
from cxloop.web.charts import build_bar_chart

from . import queries
from .models import Channel
from .reports import TABLES, ReportForm, build_report, build_table
from .reports.period import QUICK_DAYS
from .reports.tables import WEEKDAYS

HEAT_LEVELS = 4
DAY_LABELS = {name: ReportForm.base_fields[name].label for name in ("since", "until")}


def _form(request, typed: InvalidInput | None = None) -> ReportForm:
    today = timezone.localtime(timezone.now(), formats.store_zone(request.store)).date()
    team_ids = set(queries.list_teams(request.store).values_list("pk", flat=True))
    form = ReportForm(request.GET, today=today, team_ids=team_ids)
    if typed is not None:  # a typed Solar Hijri day at fault, named in the message
        form.add_error(None, typed.message)
    return form


def _values(form: ReportForm) -> dict:
    cleaned = getattr(form, "cleaned_data", {})
    values = {name: form.data.get(name, "") for name in form.fields}
    for name in ("since", "until"):
        if cleaned.get(name):
            values[name] = cleaned[name].isoformat()
    values["per"] = cleaned.get("per") or "week"
    values["days"] = str(cleaned["days"]) if cleaned.get("days") else ""
    return values


@store_required
def reports(request):
    moved, typed = jalali_inputs.redirect_to_gregorian(request, DAY_LABELS)  # typed Solar Hijri days
    if moved:
        return moved
    form = _form(request, typed)
    context = {
        "section": "helpdesk",
        "form": form,
        "teams": queries.list_teams(request.store),
        "channels": Channel.choices,
        "quick_days": QUICK_DAYS,
        "groupings": [("day", _("Day")), ("week", _("Week")), ("month", _("Month"))],
        "tables": TABLES,
    }
    status = 200
    if form.is_valid():
        report = build_report(form.period(request.store), per=form.cleaned_data["per"])
        context.update(report_context(report))
    else:
        status = 400
    context["values"] = _values(form)
    context["days"] = jalali_inputs.day_inputs(context["values"], request.GET)
    if wants_partial(request, "report-results"):
        return render(request, "helpdesk/reports.html#results", context, status=status)
    return render(request, "helpdesk/reports.html", context, status=status)


@store_required
def report_csv(request, table: str):
    if table not in TABLES:
        raise Http404("No such table.")
    form = _form(request)
    if not form.is_valid():
        return render(
            request,
            "helpdesk/reports.html",
            {"section": "helpdesk", "form": form, "values": _values(form)},
            status=400,
        )
    period = form.period(request.store)
    head, rows = build_table(build_report(period, per=form.cleaned_data["per"]), table)
    # Tag, team and agent names are typed by people: a spreadsheet must not run "=..." as a formula.
    safe = ([neutralize(cell) if isinstance(cell, str) else cell for cell in row] for row in rows)
    response = StreamingHttpResponse(stream_csv(safe, head=head), content_type="text/csv; charset=utf-8")
    filename = f"helpdesk-{table}-{period.since.isoformat()}-{period.until.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def duration_text(seconds: float | None) -> str:
    """Business time as people read it: "under a minute", "42 min", "3.5 h"."""
    if seconds is None:
        return "—"
    if seconds < 60:
        return _("under a minute")
    if seconds < 3600:
        return _("%(n)s min") % {"n": formats.number_text(round(seconds / 60))}
    return _("%(n)s h") % {"n": formats.number_text(round(seconds / 3600, 1), -1)}


def _percent(value: float | None) -> str:
    return "—" if value is None else formats.percent_text(round(value, 1))


def _share_rows(pairs: list[tuple[str, int]], names: dict | None = None) -> list[dict]:
    top = max((n for _key, n in pairs), default=0)
    return [
        {"label": str((names or {}).get(key, key)), "n": n, "width": round(n * 100 / top, 1) if top else 0}
        for key, n in pairs
    ]


def _heatmap(by_hour: dict) -> dict:
    top = max(by_hour.values(), default=0)
    rows = []
    for day in range(1, 8):
        cells = []
        for hour in range(24):
            n = by_hour.get((day, hour), 0)
            level = 0 if not n else max(1, round(n * HEAT_LEVELS / top))
            cells.append({"hour": hour, "n": n, "level": level})
        rows.append({"day": WEEKDAYS[day - 1], "cells": cells})
    return {"rows": rows, "hours": list(range(0, 24, 3)), "is_empty": not top}


class _Point:
    def __init__(self, day: date, open_count: int):
        self.day, self.open = day, open_count


def _cohort(cohort) -> dict:
    return {"cohort": cohort, "share": _percent(cohort.share)}


def report_context(report) -> dict:
    s = report.summary
    backlog = [_Point(day, n) for day, n in report.backlog]
    every = max(1, -(-len(backlog) // 12))
    o = report.outcomes
    return {
        "report": report,
        "period": report.period,
        "kpis": {
            "first_median": duration_text(s.first_response.median),
            "first_p90": duration_text(s.first_response.p90),
            "resolution_median": duration_text(s.resolution.median),
            "resolution_p90": duration_text(s.resolution.p90),
            "replies": "—"
            if s.replies_per_resolution is None
            else formats.number_text(s.replies_per_resolution, -1),
            "reopen": _percent(s.reopen_rate),
        },
        "channel_rows": _share_rows(report.channels, dict(Channel.choices)),
        "tag_rows": _share_rows(report.tags),
        "heatmap": _heatmap(report.by_hour),
        "backlog_chart": build_bar_chart(backlog, value_attr="open", date_attr="day", label_every=every)
        if backlog
        else None,
        "agent_rows": [
            {"row": row, "first": duration_text(row.median_first_response)} for row in report.agents
        ],
        "csat_agents": [{"row": r, "share": _percent(r.share)} for r in report.csat_agents],
        "csat_teams": [{"row": r, "share": _percent(r.share)} for r in report.csat_teams],
        "outcome_rows": {
            "after": _cohort(o.after_conversation),
            "baseline": _cohort(o.baseline),
            "contacted": _cohort(o.detractors_contacted),
            "not_contacted": _cohort(o.detractors_not_contacted),
        },
        "sla_rows": None
        if report.sla is None
        else [{"row": r, "share": _percent(r.share)} for r in report.sla],
    }
