"""What a report covers: store-local days, and optionally one team and one channel.

Days are the store's: "last 7 days" on 3 December in Tehran runs from
27 November 00:00 to 4 December 00:00 Tehran time. A custom range is at most
`MAX_DAYS` long.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cxloop.core.formats import store_zone
from cxloop.core.inputs import DateField

from ..models import Channel

QUICK_DAYS = (7, 30, 90)
DEFAULT_DAYS = 30
MAX_DAYS = 366
GROUPINGS = ("day", "week", "month")


@dataclass(frozen=True)
class ReportPeriod:
    store: object
    since: date  # first day, store-local
    until: date  # last day, store-local (included)
    team_id: int | None = None
    channel: str = ""

    @property
    def zone(self) -> ZoneInfo:
        return store_zone(self.store)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.since, time(0), self.zone)

    @property
    def end(self) -> datetime:
        """The instant the last day ends (exclusive)."""
        return datetime.combine(self.until + timedelta(days=1), time(0), self.zone)

    @property
    def days(self) -> list[date]:
        return [self.since + timedelta(days=i) for i in range((self.until - self.since).days + 1)]

    def day_end(self, day: date) -> datetime:
        return datetime.combine(day + timedelta(days=1), time(0), self.zone)

    def conversation_filter(self, prefix: str = "") -> Q:
        """The team and channel filter on conversations (`prefix` like "conversation__")."""
        q = Q(**{f"{prefix}store": self.store, f"{prefix}merged_into__isnull": True})
        if self.team_id is not None:
            q &= Q(**{f"{prefix}team_id": self.team_id})
        if self.channel:
            q &= Q(**{f"{prefix}channel": self.channel})
        return q


class ReportForm(forms.Form):
    days = forms.TypedChoiceField(
        required=False, coerce=int, choices=[(str(d), str(d)) for d in QUICK_DAYS], empty_value=None
    )
    since = DateField(required=False, label=gettext_lazy("From"))
    until = DateField(required=False, label=gettext_lazy("To"))
    team = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    channel = forms.ChoiceField(required=False, choices=[("", ""), *Channel.choices])
    per = forms.ChoiceField(required=False, choices=[(g, g) for g in GROUPINGS])

    def __init__(self, data, *, today: date, team_ids: set[int]):
        super().__init__(data)
        self.today = today
        self.team_ids = team_ids

    def clean_team(self):
        team = self.cleaned_data.get("team")
        if team is not None and team not in self.team_ids:
            raise forms.ValidationError(_("No such team."), code="unknown_team")
        return team

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since or until:
            until = until or self.today
            since = since or until - timedelta(days=DEFAULT_DAYS - 1)
            data["days"] = None
        else:
            days = data.get("days") or DEFAULT_DAYS
            until, since = self.today, self.today - timedelta(days=days - 1)
            data["days"] = days
        if since > until:
            raise forms.ValidationError(_("The start date is after the end date."), code="reversed")
        if (until - since).days >= MAX_DAYS:
            raise forms.ValidationError(_("Choose at most a year."), code="too_long")
        data.update(since=since, until=until, per=data.get("per") or "week")
        return data

    def period(self, store) -> ReportPeriod:
        data = self.cleaned_data
        return ReportPeriod(
            store=store,
            since=data["since"],
            until=data["until"],
            team_id=data.get("team"),
            channel=data.get("channel") or "",
        )
