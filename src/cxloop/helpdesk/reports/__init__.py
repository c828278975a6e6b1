"""Help-desk reports: how fast, how well, how much, and what happened after (docs/helpdesk-reports.md).

    period = ReportForm(request.GET, today=..., team_ids=...).period(store)
    report = build_report(period, per="week")     # every figure of the page
    table = build_table(report, "agents")         # one table, for the page or CSV

Modules: period (what a report covers), clock (business time for many pairs,
percentiles), figures (timing, volume, backlog, agents), csat, outcomes
("what happened after"), sla (attainment, empty until SLA policies exist),
tables (the CSV tables).
"""

from .period import ReportForm, ReportPeriod
from .tables import TABLES, Report, build_report, build_table

__all__ = ["TABLES", "Report", "ReportForm", "ReportPeriod", "build_report", "build_table"]
