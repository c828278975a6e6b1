"""The fields a segment query can use, what each compares with, and how it becomes a database condition.

    FIELDS["amount_spent"].condition(condition, context)  # -> a Q on Customer

Built-in fields read the customer record (commerce) and its predictions
(segments). Other apps add theirs when they start (`register_field` in their
AppConfig.ready): surveys its answers, the help desk its conversations. Names
follow Shopify's customer segments where Shopify has the field
(amount_spent, number_of_orders, last_order_date, customer_tags,
email_subscription_status, predicted_spend_tier, rfm_group), so a merchant
who knows those reads these the same way.

Every value is checked here against its field's kind before any query runs,
and reaches the database only as a bound parameter through the ORM.
"""

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.db.models import Exists, OuterRef, Q
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from .ast import Condition, Literal, RelativeDate
from .errors import SegmentQueryError

COMPARISONS = ("=", "!=", ">", ">=", "<", "<=", "BETWEEN")
NULLS = ("IS NULL", "IS NOT NULL")
LOOKUPS = {">": "gt", ">=": "gte", "<": "lt", "<=": "lte"}
UNITS = {"d": "days", "w": "weeks", "m": "months", "y": "years"}


@dataclass(frozen=True)
class Context:
    """What a condition needs besides itself: the store (its timezone) and the moment "today" means."""

    store: object
    now: datetime

    @property
    def today(self) -> date:
        return self.now.astimezone(self.zone).date()

    @property
    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.store.timezone or "UTC")
        except (ValueError, KeyError):
            return ZoneInfo("UTC")

    def day(self, value) -> date:
        if isinstance(value, RelativeDate):
            return self.today - relativedelta(**{UNITS[value.unit]: value.amount})
        return value

    def start_of(self, day: date) -> datetime:
        """Midnight at the start of `day` in the store's timezone."""
        return datetime.combine(day, time.min, tzinfo=self.zone)


@dataclass(frozen=True)
class Field:
    """One field: its name, its kind (what it compares with) and how to build its condition."""

    name: str
    kind: str  # number, money, percent, date, choice, text, tags, flag
    description: Promise | str
    operators: tuple[str, ...]
    build: Callable[[Condition, Context], Q]
    choices: tuple[str, ...] = ()
    arguments: tuple[str, ...] = ()  # flag fields: which of id, since, type they take
    example: str = ""

    def condition(self, condition: Condition, context: Context) -> Q:
        if condition.operator not in self.operators:
            raise SegmentQueryError(
                _("%(field)s cannot be compared with %(operator)s.")
                % {"field": self.name, "operator": condition.operator},
                position=condition.position,
                hint=_("Use one of: %(operators)s.") % {"operators": ", ".join(self.operators)},
            )
        for name, literal in condition.arguments:
            if name not in self.arguments:
                raise SegmentQueryError(
                    _("%(field)s has no argument %(name)s.") % {"field": self.name, "name": name},
                    position=literal.position,
                    hint=(_("It takes: %(names)s.") % {"names": ", ".join(self.arguments)})
                    if self.arguments
                    else _("It takes no arguments."),
                )
        return self.build(condition, context)


_registry: dict[str, Field] = {}


def register_field(field_: Field) -> None:
    """Make a field usable in segment queries (an app's AppConfig.ready calls this for each of its fields)."""
    _registry[field_.name] = field_


def get_field(name: str, position: int) -> Field:
    try:
        return _registry[name]
    except KeyError:
        close = difflib.get_close_matches(name, list(_registry), n=1, cutoff=0.6)
        raise SegmentQueryError(
            _("There is no field %(name)s.") % {"name": name},
            position=position,
            hint=(_("Did you mean %(name)s?") % {"name": close[0]})
            if close
            else _("Pick a field from the list."),
        ) from None


def all_fields() -> list[Field]:
    return sorted(_registry.values(), key=lambda f: f.name)


# Value checks -----------------------------------------------------------------


def number_of(literal: Literal, field_name: str) -> Decimal:
    if not isinstance(literal.value, Decimal):
        raise SegmentQueryError(
            _("%(field)s compares with a number, like %(field)s > 100.") % {"field": field_name},
            position=literal.position,
        )
    return literal.value


def day_of(literal: Literal, field_name: str, context: Context) -> date:
    if not isinstance(literal.value, date | RelativeDate) or isinstance(literal.value, bool):
        raise SegmentQueryError(
            _("%(field)s compares with a date, like 2024-03-01 or -90d (90 days ago).")
            % {"field": field_name},
            position=literal.position,
        )
    return context.day(literal.value)


def text_of(literal: Literal, field_name: str) -> str:
    if not isinstance(literal.value, str):
        raise SegmentQueryError(
            _("%(field)s compares with a text in quotes, like '%(example)s'.")
            % {"field": field_name, "example": "vip"},
            position=literal.position,
        )
    return literal.value


def choice_of(literal: Literal, field_name: str, choices: tuple[str, ...]) -> str:
    value = text_of(literal, field_name).strip().upper()
    if value not in choices:
        close = difflib.get_close_matches(value, choices, n=1, cutoff=0.5)
        raise SegmentQueryError(
            _("%(value)s is not a value of %(field)s.") % {"value": literal.text, "field": field_name},
            position=literal.position,
            hint=(_("Did you mean '%(value)s'?") % {"value": close[0]})
            if close
            else _("Use one of: %(values)s.") % {"values": ", ".join(choices)},
        )
    return value


def flag_of(literal: Literal, field_name: str) -> bool:
    if not isinstance(literal.value, bool):
        raise SegmentQueryError(
            _("%(field)s is true or false, like %(field)s = true.") % {"field": field_name},
            position=literal.position,
        )
    return literal.value


# Condition builders -------------------------------------------------------------


def compare(column: str, operator: str, low, high=None, *, nullable: bool) -> Q:
    """`column operator value` as a Q; on a nullable column, != and a comparison never match an empty one."""
    if operator == "=":
        return Q(**{column: low})
    if operator == "!=":
        different = ~Q(**{column: low})
        return different & Q(**{f"{column}__isnull": False}) if nullable else different
    if operator == "BETWEEN":
        low, high = sorted((low, high))
        return Q(**{f"{column}__gte": low, f"{column}__lte": high})
    return Q(**{f"{column}__{LOOKUPS[operator]}": low})


def null_check(column: str, operator: str) -> Q:
    return Q(**{f"{column}__isnull": operator == "IS NULL"})


def number_field(name, column, description, *, nullable=False, kind="number", example="") -> Field:
    def build(condition: Condition, context: Context) -> Q:
        if condition.operator in NULLS:
            return null_check(column, condition.operator)
        values = [number_of(value, name) for value in condition.values]
        if kind == "percent":
            for literal, value in zip(condition.values, values, strict=True):
                if not 0 <= value <= 100:
                    raise SegmentQueryError(
                        _("%(field)s is a percentage from 0 to 100.") % {"field": name},
                        position=literal.position,
                    )
        return compare(column, condition.operator, *values, nullable=nullable)

    operators = COMPARISONS + (NULLS if nullable else ())
    return Field(name, kind, description, operators, build, example=example or f"{name} > 100")


def date_field(name, column, description, *, nullable=True, example="") -> Field:
    def build(condition: Condition, context: Context) -> Q:
        if condition.operator in NULLS:
            return null_check(column, condition.operator)
        days = [day_of(value, name, context) for value in condition.values]
        return date_condition(column, condition.operator, days, context, nullable=nullable)

    operators = COMPARISONS + (NULLS if nullable else ())
    return Field(name, "date", description, operators, build, example=example or f"{name} > -30d")


def date_condition(column: str, operator: str, days: list[date], context: Context, *, nullable: bool) -> Q:
    """A date comparison on a timestamp column: a day runs from midnight to midnight in the store's zone."""
    start = context.start_of
    if operator == "BETWEEN":
        low, high = sorted(days)
        return Q(**{f"{column}__gte": start(low), f"{column}__lt": start(high + timedelta(days=1))})
    day = days[0]
    if operator == "=":
        return Q(**{f"{column}__gte": start(day), f"{column}__lt": start(day + timedelta(days=1))})
    if operator == "!=":
        inside = Q(**{f"{column}__gte": start(day), f"{column}__lt": start(day + timedelta(days=1))})
        return ~inside & Q(**{f"{column}__isnull": False}) if nullable else ~inside
    bound = {
        "<": ("lt", day),
        "<=": ("lt", day + timedelta(days=1)),
        ">": ("gte", day + timedelta(days=1)),
        ">=": ("gte", day),
    }[operator]
    return Q(**{f"{column}__{bound[0]}": start(bound[1])})


def choice_field(name, column, description, values: dict[str, str], *, nullable=False, example="") -> Field:
    """A field of fixed values, written in capitals in queries (`values`: query value -> stored value)."""

    def build(condition: Condition, context: Context) -> Q:
        if condition.operator in NULLS:
            return null_check(column, condition.operator)
        chosen = values[choice_of(condition.values[0], name, tuple(values))]
        return compare(column, condition.operator, chosen, nullable=nullable)

    operators = ("=", "!=") + (NULLS if nullable else ())
    first = next(iter(values))
    return Field(
        name, "choice", description, operators, build, choices=tuple(values),
        example=example or f"{name} = '{first}'",
    )  # fmt: skip


def text_field(name, column, description, *, normalise=str.lower, example="") -> Field:
    """A short text compared whole (a language code, a country code), written in any case."""

    def build(condition: Condition, context: Context) -> Q:
        if condition.operator == "IS NULL":
            return Q(**{column: ""})
        if condition.operator == "IS NOT NULL":
            return ~Q(**{column: ""})
        value = normalise(text_of(condition.values[0], name).strip())
        return Q(**{column: value}) if condition.operator == "=" else ~Q(**{column: value})

    return Field(name, "text", description, ("=", "!=") + NULLS, build, example=example)


def exists_field(
    name, description, subquery: Callable[[Condition, Context], object], *, arguments=(), example=""
):
    """A yes/no field backed by a subquery (`subquery(condition, context)` filtered on OuterRef("pk"))."""

    def build(condition: Condition, context: Context) -> Q:
        wanted = flag_of(condition.values[0], name)
        found = Exists(subquery(condition, context))
        wanted = wanted if condition.operator == "=" else not wanted
        return Q(found) if wanted else ~Q(found)

    return Field(
        name,
        "flag",
        description,
        ("=", "!="),
        build,
        arguments=arguments,
        example=example or f"{name} = true",
    )


def argument(condition: Condition, name: str) -> Literal | None:
    for key, literal in condition.arguments:
        if key == name:
            return literal
    return None


def since_of(condition: Condition, context: Context) -> datetime | None:
    """The start of the `since:` argument's day, or None when it is not given."""
    literal = argument(condition, "since")
    return None if literal is None else context.start_of(day_of(literal, "since", context))


__all__ = [
    "Context", "Field", "register_field", "get_field", "all_fields", "number_field", "date_field",
    "choice_field", "text_field", "exists_field", "argument", "since_of", "text_of", "_lazy", "OuterRef",
]  # fmt: skip
