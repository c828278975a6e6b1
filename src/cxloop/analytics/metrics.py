"""The store's numbers, each written once as an Ibis expression, run on any engine Ibis speaks.

    tables = warehouse_tables(con)          # DuckDB: the warehouse (the default)
    tables = database_tables(backend)       # PostgreSQL: the store mirror itself (small installs)
    expr = revenue(tables, store_id, since, until)
    backend.to_pyarrow(expr).to_pylist()    # [{"orders": 12, "gross": Decimal(...), ...}]

Every expression takes the store's id and the period [since, until) (aware
datetimes) as values Ibis binds: nothing here builds SQL from text. The
logical tables (`Tables`) have the warehouse's columns (analytics.sources);
on another engine `database_tables` selects the same columns from the
store mirror's own tables, so one definition gives one answer everywhere
(the metric tests run each on DuckDB and on PostgreSQL and compare).

An order counts when it was placed in the period and is not cancelled; its
net is its total less what was refunded of it. A customer is *new* in the
period when their first order ever (not cancelled) is in it.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.operations as ops
from ibis import _
from ibis.common.exceptions import TableNotFound
from ibis.expr import types as ir

FUNNEL_STEPS = ("page_view", "product_view", "add_to_cart", "checkout_started", "order_placed")
BUCKET_SECONDS = 900  # revenue is summed per quarter hour, then per day in the store's timezone


@dataclass(frozen=True)
class Tables:
    orders: ir.Table
    customers: ir.Table
    events: ir.Table
    responses: ir.Table
    referrer_hosts: ir.Table | None = None  # (id, referrer_host) when orders lack the column
    conversations: ir.Table | None = None  # the help desk's (analytics.sources)
    messages: ir.Table | None = None  # per message of a conversation: its kind, channel and time
    conversation_tags: ir.Table | None = None  # (conversation_id, tag_id)
    # The tables the sync keeps beside its copies (analytics.rollups); None: worked out from the above.
    customer_orders: ir.Table | None = None
    session_days: ir.Table | None = None
    line_items: ir.Table | None = None  # an order's lines: product, quantity, price, discount
    products: ir.Table | None = None  # (id, store_id, title, product_type, vendor)
    engine: str = ""  # the backend's name ("duckdb", "postgres", "pyspark"): a few functions differ

    def columns(self) -> dict[str, list[str]]:
        """The column names of each table the expressions read by name."""
        found = {}
        for table in self._all():
            if table is not None:
                for node in table.op().find((ops.UnboundTable, ops.DatabaseTable)):
                    found[node.name] = list(node.schema.names)
        return found

    def _all(self) -> tuple:
        return (self.orders, self.customers, self.events, self.responses, self.referrer_hosts,
                self.conversations, self.messages, self.conversation_tags, self.customer_orders,
                self.session_days, self.line_items, self.products)  # fmt: skip

    @property
    def shape(self) -> tuple:
        """What a metric's compiled SQL depends on besides its arguments: the engine and every table's
        schema (reports caches the SQL by it)."""
        return (self.engine, *(None if table is None else table.schema() for table in self._all()))


WAREHOUSE_TABLES = (
    "orders", "customers", "events", "responses", "conversations", "messages", "conversation_tags",
    "line_items", "products",
)  # fmt: skip
ROLLUP_TABLES = ("customer_orders", "session_days")


def warehouse_tables(backend) -> Tables:
    found = _tables(backend, WAREHOUSE_TABLES + ROLLUP_TABLES)
    missing = [name for name in WAREHOUSE_TABLES[:5] if name not in found]
    if missing:
        raise TableNotFound(missing[0])
    orders, customers, events, responses, conversations = (found[name] for name in WAREHOUSE_TABLES[:5])
    # A warehouse made by an earlier version gets them at its next sync (analytics.warehouse), with the
    # conversations' merged_into_id: until then, there are none.
    recent = "merged_into_id" in conversations.columns
    messages, tags = (found.get(name) if recent else None for name in WAREHOUSE_TABLES[5:7])
    added = {  # columns a warehouse made by an earlier version lacks until its next sync
        "source": ibis.null("string"), "referred": ibis.literal(False), "path": ibis.null("string"),
        "amount": ibis.null("decimal(18, 2)"), "device": ibis.null("string"), "medium": ibis.null("string"),
    }  # fmt: skip
    missing = {name: value for name, value in added.items() if name not in events.columns}
    if missing:
        events = events.mutate(**missing)
    if "referred" not in orders.columns:
        orders = orders.mutate(referred=ibis.literal(False))
    if "merged_into_id" not in conversations.columns:
        conversations = conversations.mutate(merged_into_id=ibis.null("int64"))
    # a warehouse made by an earlier version has the rollups after its next sync
    rollups = {name: found[name] for name in ROLLUP_TABLES if name in found}
    return Tables(
        orders, customers, events, responses, conversations=conversations, messages=messages,
        conversation_tags=tags, engine=backend.name, **rollups,
        # a warehouse made by an earlier version has them after its next sync (analytics.products: none)
        line_items=found.get("line_items"), products=found.get("products"),
    )  # fmt: skip


def _tables(backend, names: tuple[str, ...]) -> dict[str, ir.Table]:
    """The tables of `names` the backend has. On DuckDB from one read of its catalog, as tables bound by
    name (a schema read per table took 2-8 ms each on every report); elsewhere one by one."""
    if backend.name != "duckdb":
        found = {}
        for name in names:
            try:
                found[name] = backend.table(name)
            except TableNotFound:
                pass
        return found
    from ibis.backends.sql.datatypes import DuckDBType

    rows = backend.con.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name = 'main' AND list_contains(?, table_name) "
        "ORDER BY table_name, column_index",
        [list(names)],
    ).fetchall()
    columns: dict[str, dict] = {}
    for table, column, kind in rows:
        columns.setdefault(table, {})[column] = DuckDBType.from_string(kind)
    return {name: ibis.table(ibis.schema(found), name=name) for name, found in columns.items()}


def database_tables(backend) -> Tables:
    """The same logical tables read straight from the store mirror (commerce_*, surveys_*)."""
    orders = backend.table("commerce_order")
    customers = backend.table("commerce_customer")
    response, survey = backend.table("surveys_response"), backend.table("surveys_survey")
    invitation = backend.table("surveys_invitation").select(invitation=_.id, reference=_.reference)
    responses = response.join(survey, response.survey_id == survey.id).left_join(
        invitation, response.invitation_id == invitation.invitation
    )
    responses = responses.select(
        id=response.id, store_id=response.store_id, customer_id=response.customer_id, survey_kind=survey.kind,
        score=response.score, band=response.band, channel=response.channel,
        # analytics.sources.response_conversation: the conversation a CSAT was asked after
        conversation_id=invitation.reference.re_extract(r"^helpdesk-conversation:([0-9]{1,18})$", 1)
        .nullif("").cast("int64"),
        created_at=response.created_at,
    )  # fmt: skip
    return Tables(
        orders=orders.select(
            "id",
            "store_id",
            "customer_id",
            "total",
            "refunded_amount",
            "currency",
            "created_at",
            "cancelled_at",
            "source_channel",
            "utm_source",
            "utm_medium",
            referred=orders.referral_code != "",
        ),  # fmt: skip
        customers=customers.select("id", "store_id", "created_at", "country", "language", "email_consent"),
        # The warehouse keeps a referrer as its host (analytics.sources.referrer_host); here the same, in SQL.
        referrer_hosts=orders.select(
            "id", referrer_host=orders.referrer.re_extract(r"^[A-Za-z]+://([^/:?#]+)", 1)
        ),
        events=_database_events(backend),
        responses=responses,
        conversations=backend.sql(DATABASE_CONVERSATIONS_SQL, schema=DATABASE_CONVERSATIONS_SCHEMA),
        messages=backend.table("helpdesk_message").select(
            "id",
            "store_id",
            "conversation_id",
            "kind",
            "channel",
            "author_id",
            "created_at",
            automatic=_.auto_submitted | _.bounce,
        ),
        conversation_tags=_database_conversation_tags(backend),
        line_items=backend.table("commerce_lineitem").select(
            "id", "store_id", "order_id", "product_id", "variant_id", "quantity", "price", "total_discount"
        ),
        products=backend.table("commerce_product").select(
            "id", "store_id", "title", "product_type", "vendor"
        ),
        engine=backend.name,
    )


# Constant text (no input in it): the warehouse's conversations columns from the help desk's tables, the
# reopens counted as analytics.sources.REOPENS counts them (status changes away from resolved).
DATABASE_CONVERSATIONS_SQL = (
    "SELECT c.id, c.store_id, c.customer_id, c.channel, c.status, c.priority, c.team_id, c.assignee_id, "
    "c.language, c.merged_into_id, (SELECT count(*) FROM helpdesk_activity a WHERE a.conversation_id = c.id "
    "AND a.kind = 'status' AND a.data ->> 'from' = 'resolved') AS reopen_count, c.created_at, "
    "c.first_response_at, c.resolved_at FROM helpdesk_conversation c"
)
DATABASE_CONVERSATIONS_SCHEMA = {
    "id": "int64", "store_id": "int64", "customer_id": "int64", "channel": "string", "status": "string",
    "priority": "string", "team_id": "int64", "assignee_id": "int64", "language": "string",
    "merged_into_id": "int64", "reopen_count": "int64", "created_at": "timestamp('UTC')",
    "first_response_at": "timestamp('UTC')", "resolved_at": "timestamp('UTC')",
}  # fmt: skip


def _database_conversation_tags(backend) -> ir.Table:
    links, conversations = backend.table("helpdesk_conversation_tags"), backend.table("helpdesk_conversation")
    joined = links.join(conversations, links.conversation_id == conversations.id)
    return joined.select(
        id=links.id, store_id=conversations.store_id, conversation_id=links.conversation_id,
        tag_id=links.tag_id,
    )  # fmt: skip


def _json_text(key: str) -> str:
    text = f"properties ->> '{key}'"
    return f"CASE WHEN jsonb_typeof(properties -> '{key}') = 'string' THEN {text} END AS {key}"


# Constant text (no input in it): the storefront properties the event columns `source` and `referred`
# are made from, read out of PostgreSQL's jsonb as text.
_PATH = (  # analytics.sources.event_path: `path` without its query, else the path of `url`
    "CASE WHEN jsonb_typeof(properties -> 'path') = 'string' AND left(properties ->> 'path', 1) = '/' "
    "THEN left(split_part(split_part(properties ->> 'path', '?', 1), '#', 1), 200) "
    "WHEN jsonb_typeof(properties -> 'url') = 'string' "
    "THEN left(substring(properties ->> 'url' from '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*(/[^?#]*)'), 200) "
    "END AS path"
)
_AMOUNT = (  # analytics.sources.event_amount: a plain amount in `total`
    "CASE WHEN jsonb_typeof(properties -> 'total') IN ('string', 'number') "
    "AND btrim(properties ->> 'total') ~ '^-?[0-9]{1,15}([.][0-9]{1,2})?$' "
    "THEN btrim(properties ->> 'total')::numeric(18, 2) END AS amount"
)
DATABASE_EVENTS_SQL = (
    "SELECT id, store_id, customer_id, anonymous_id, session_id, type, occurred_at, device, "
    + ", ".join(_json_text(key) for key in ("utm_source", "utm_medium", "referrer", "url", "ref"))
    + f", {_PATH}, {_AMOUNT} FROM commerce_event"
)


DATABASE_EVENTS_SCHEMA = {
    "id": "int64", "store_id": "int64", "customer_id": "int64", "anonymous_id": "string",
    "session_id": "string", "type": "string", "occurred_at": "timestamp('UTC')", "device": "string",
    **dict.fromkeys(("utm_source", "utm_medium", "referrer", "url", "ref", "path"), "string"),
    "amount": "decimal(18, 2)",
}  # fmt: skip


def _host(url):
    return url.re_extract(r"^[A-Za-z][A-Za-z0-9+.-]*://(?:[^/?#@]*@)?([^/:?#@]+)", 1).nullif("").lower()


def _database_events(backend) -> ir.Table:
    """The warehouse's events columns from the store mirror, `source` and `referred` made in the
    query as analytics.sources makes them for the warehouse."""
    events = backend.sql(DATABASE_EVENTS_SQL, schema=DATABASE_EVENTS_SCHEMA)
    host = _host(events.referrer).nullif(_host(events.url)).re_replace(r"^www\.", "").nullif("")
    return events.select(
        "id", "store_id", "customer_id", "anonymous_id", "session_id", "type", "occurred_at",
        source=ibis.coalesce(events.utm_source.strip().lower().nullif(""), host),
        referred=events.ref.strip().nullif("").notnull(), path=events.path, amount=events.amount,
        device=events.device, medium=events.utm_medium.strip().lower().substr(0, 200).nullif(""),
    )  # fmt: skip


def _placed(t: Tables, store_id: int) -> ir.Table:
    orders = t.orders
    return orders.filter(orders.store_id == store_id, orders.cancelled_at.isnull())


def _within(column, since: datetime, until: datetime):
    return (column >= _instant(since)) & (column < _instant(until))


def _instant(moment: datetime):
    """A time as a UTC text cast to a timestamp: DuckDB binds it faster than the MAKE_TIMESTAMPTZ(...,
    'Europe/Warsaw') Ibis writes for a zoned datetime (0.83 against 0.96 ms for a small tile's whole
    query), and every engine reads the same instant."""
    text = moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f+00:00")
    return ibis.literal(text).cast("timestamp('UTC')")


def support_contacts(t: Tables, store_id: int, since: datetime, until: datetime) -> ir.Table:
    """One row: help desk conversations opened in the period (`conversations`) and by how many
    customers (`customers`, those with a customer record). One merged into another is not counted
    again, as in the help desk's reports."""
    conversations = t.conversations
    conversations = conversations.filter(
        conversations.store_id == store_id, _within(conversations.created_at, since, until),
        conversations.merged_into_id.isnull(),
    )  # fmt: skip
    return conversations.aggregate(conversations=_.count(), customers=_.customer_id.nunique())


def revenue(t: Tables, store_id: int, since: datetime, until: datetime) -> ir.Table:
    """One row: orders, gross (their totals), refunds (refunded of them), net."""
    orders = _placed(t, store_id)
    orders = orders.filter(_within(orders.created_at, since, until))
    totals = orders.aggregate(
        orders=_.count(),
        gross=_.total.sum().fill_null(0),
        refunds=_.refunded_amount.sum().fill_null(0),
    )
    return totals.mutate(net=totals.gross - totals.refunds)


def first_orders(t: Tables, store_id: int) -> ir.Table:
    """Each customer's first order time (customers with at least one order not cancelled)."""
    orders = _placed(t, store_id)
    orders = orders.filter(orders.customer_id.notnull())
    return orders.group_by("customer_id").aggregate(first_order_at=_.created_at.min(), orders_ever=_.count())


def customer_orders(orders: ir.Table) -> ir.Table:
    """Each customer's first and second order, over their orders not cancelled by (time, id): (store_id,
    customer_id, first_order_at, first_order_id, second_order_at); second_order_at is null for one
    order, and equal to first_order_at for two placed at the same instant.

    The sync keeps this table in the warehouse, computing it again for the customers of every chunk of
    orders it copies (analytics.rollups); an engine without it works it out from the orders. (Two
    aggregates and a join: a window over the orders by (time, id) took half as long again.)"""
    placed = orders.filter(orders.cancelled_at.isnull(), orders.customer_id.notnull())
    firsts = placed.group_by(["store_id", "customer_id"]).aggregate(first_order_at=_.created_at.min())
    joined = placed.join(firsts, ["store_id", "customer_id"])
    at_first = joined.created_at == joined.first_order_at
    per = joined.group_by(["store_id", "customer_id", "first_order_at"]).aggregate(
        first_order_id=_.id.min(where=at_first), at_first=_.count(where=at_first),
        later=_.created_at.min(where=~at_first),
    )  # fmt: skip
    return per.select(
        "store_id", "customer_id", "first_order_at", "first_order_id",
        second_order_at=ibis.ifelse(per.at_first > 1, per.first_order_at, per.later),
    )  # fmt: skip


def _customer_orders(t: Tables, store_id: int) -> ir.Table:
    """The store's rows of customer_orders: the kept table, else worked out from the orders."""
    if t.customer_orders is not None:
        return t.customer_orders.filter(t.customer_orders.store_id == store_id)
    return customer_orders(t.orders.filter(t.orders.store_id == store_id))


def customer_mix(t: Tables, store_id: int, since: datetime, until: datetime) -> ir.Table:
    """One row: customers who ordered in the period, how many were new, their orders and net each side."""
    orders = _placed(t, store_id)
    orders = orders.filter(_within(orders.created_at, since, until), orders.customer_id.notnull())
    firsts = _customer_orders(t, store_id).select("customer_id", "first_order_at")
    joined = orders.join(firsts, "customer_id")
    joined = joined.mutate(
        is_new=joined.first_order_at >= ibis.literal(since), net=joined.total - joined.refunded_amount
    )
    return joined.aggregate(
        customers=_.customer_id.nunique(),
        new_customers=_.customer_id.nunique(where=_.is_new),
        new_orders=_.count(where=_.is_new),
        returning_orders=_.count(where=~_.is_new),
        new_net=_.net.sum(where=_.is_new).fill_null(0),
        returning_net=_.net.sum(where=~_.is_new).fill_null(0),
    )


def repeat_customers(t: Tables, store_id: int, since: datetime, until: datetime) -> ir.Table:
    """One row: customers who ordered in the period, and how many had ordered twice or more by its end
    (their second order, not cancelled, before it)."""
    orders = _placed(t, store_id)
    orders = orders.filter(_within(orders.created_at, since, until), orders.customer_id.notnull())
    buyers = orders.select("customer_id").distinct()
    seconds = _customer_orders(t, store_id).select("customer_id", "second_order_at")
    joined = buyers.join(seconds, "customer_id")
    return joined.aggregate(
        buyers=_.count(), repeat_buyers=_.count(where=_.second_order_at < ibis.literal(until))
    )


def step_bit(step: str) -> int:
    """A funnel step's bit in session_days.steps (analytics.rollups)."""
    return 1 << FUNNEL_STEPS.index(step)


def funnel(t: Tables, store_id: int, since: datetime, until: datetime) -> ir.Table:
    """One row, a column per step of FUNNEL_STEPS: the sessions in the period that reached it.

    From session_days when the engine keeps it: a session's steps of each of the store's days ORed
    over the period's days. A period is whole days of the store (reports.period_bounds), so that is
    the same count as from its events."""
    if t.session_days is None:
        events = t.events
        events = events.filter(
            events.store_id == store_id, _within(events.occurred_at, since, until), events.session_id != "",
            events.type.isin(FUNNEL_STEPS),
        )  # fmt: skip
        return events.aggregate(**{step: _.session_id.nunique(where=_.type == step) for step in FUNNEL_STEPS})
    days = t.session_days
    days = days.filter(days.store_id == store_id, _within(days.day_start, since, until))
    if t.engine == "pyspark":  # Ibis has no bit_or for Spark: each step's bit, by max
        sessions = days.group_by("session_key").aggregate(
            **{step: (_.steps & step_bit(step)).max() for step in FUNNEL_STEPS}
        )
        return sessions.aggregate(**{step: _.count(where=_[step] != 0) for step in FUNNEL_STEPS})
    sessions = days.group_by("session_key").aggregate(steps=_.steps.bit_or())  # a third faster than max
    return sessions.aggregate(
        **{step: _.count(where=(_.steps & step_bit(step)) != 0) for step in FUNNEL_STEPS}
    )


def active_customers(t: Tables, store_id: int, since: datetime, until: datetime) -> ir.Table:
    """One row: distinct customers with an order or a storefront event in the period."""
    orders = _placed(t, store_id)
    ordered = orders.filter(_within(orders.created_at, since, until), orders.customer_id.notnull()).select(
        "customer_id"
    )
    events = t.events
    seen = events.filter(
        events.store_id == store_id, _within(events.occurred_at, since, until), events.customer_id.notnull()
    ).select("customer_id")
    return ordered.union(seen, distinct=True).aggregate(active=_.count())


@ibis.udf.scalar.builtin(name="epoch_us")
def _epoch_us(value: dt.Timestamp(timezone="UTC")) -> dt.int64:
    """DuckDB's microseconds since 1970 of a TIMESTAMPTZ, read straight from the value."""


def _bucket(t: Tables, column):
    """seconds since 1970 // BUCKET_SECONDS. On DuckDB from epoch_us: epoch_seconds() compiles there to
    EPOCH(CAST(column AS TIMESTAMP)), a cast through the session's time zone for every row, which took
    half of net_by_bucket's time (docs/benchmarks.md). Elsewhere epoch_seconds() is already a plain
    read (EXTRACT(epoch FROM ...) on PostgreSQL). The same bucket either way."""
    if t.engine == "duckdb":
        return _epoch_us(column) // (BUCKET_SECONDS * 1_000_000)
    return column.epoch_seconds() // BUCKET_SECONDS


def net_by_bucket(t: Tables, store_id: int, since: datetime, until: datetime) -> ir.Table:
    """Orders and net per quarter hour of the period (bucket: seconds since 1970 // BUCKET_SECONDS)."""
    orders = _placed(t, store_id)
    orders = orders.filter(_within(orders.created_at, since, until))
    orders = orders.mutate(bucket=_bucket(t, orders.created_at), net=orders.total - orders.refunded_amount)
    return orders.group_by("bucket").aggregate(orders=_.count(), net=_.net.sum())


def nps_by_band(t: Tables, store_id: int, since: datetime, until: datetime) -> ir.Table:
    """NPS answers in the period per band (high: promoters, mid: passives, low: detractors)."""
    responses = t.responses
    responses = responses.filter(
        responses.store_id == store_id, responses.survey_kind == "nps", responses.score.notnull(),
        _within(responses.created_at, since, until),
    )  # fmt: skip
    return responses.group_by("band").aggregate(answers=_.count())


SATISFACTION_KINDS = ("nps", "csat")


def satisfaction_by_group(
    t: Tables, store_id: int, since: datetime, until: datetime, groups: ir.Table
) -> ir.Table:
    """NPS and CSAT answers of the period per customer group: per (group, survey_kind) the answers, the
    high band's (promoters; satisfied, 4-5) and the low band's (detractors; 1-2). `groups` is a table
    of (customer_id, group): first_order_channels, first_order_months, or any other grouping."""
    responses = t.responses
    responses = responses.filter(
        responses.store_id == store_id, responses.survey_kind.isin(SATISFACTION_KINDS),
        responses.score.notnull(), responses.customer_id.notnull(),
        _within(responses.created_at, since, until),
    )  # fmt: skip
    joined = responses.join(groups, responses.customer_id == groups.customer_id)
    return joined.group_by(["group", "survey_kind"]).aggregate(
        answers=_.count(), high=_.count(where=_.band == "high"), low=_.count(where=_.band == "low")
    )


def _channel_of(orders: ir.Table):
    """An order's last-touch channel (revenue_by_channel), from the columns `_with_touch` adds."""
    return ibis.coalesce(orders.own, orders.fallback)


def first_order_channels(t: Tables, store_id: int) -> ir.Table:
    """(customer_id, group): the channel of each customer's first order (not cancelled), by its last
    touch as revenue_by_channel counts it."""
    orders = _placed(t, store_id)
    orders = orders.filter(orders.customer_id.notnull())
    if t.referrer_hosts is not None:
        orders = orders.join(t.referrer_hosts, "id")
    orders = _with_touch(orders)
    first = ibis.window(group_by="customer_id", order_by=["created_at", "id"])
    ranked = orders.mutate(rank=ibis.row_number().over(first), group=_channel_of(orders))
    return ranked.filter(ranked.rank == 0).select("customer_id", "group")


def first_order_months(t: Tables, store_id: int, offset_seconds: int) -> ir.Table:
    """(customer_id, group): the month (month_index) of each customer's first order (not cancelled)."""
    orders = _placed(t, store_id)
    orders = orders.filter(orders.customer_id.notnull())
    orders = orders.mutate(month=month_index(orders.created_at, offset_seconds))
    return orders.group_by("customer_id").aggregate(group=_.month.min())


def _sessions(t: Tables, store_id: int, since: datetime, until: datetime) -> ir.Table:
    events = t.events
    return events.filter(
        events.store_id == store_id, _within(events.occurred_at, since, until), events.session_id != ""
    )


def _ordered_sessions(events: ir.Table) -> ir.Table:
    ordered = events.filter(events.type == "order_placed").select("session_id").distinct()
    return ordered.mutate(ordered=ibis.literal(1))


def entry_pages(t: Tables, store_id: int, since: datetime, until: datetime) -> ir.Table:
    """Per entry page (the path of a session's first page view in the period): the sessions, and how
    many of them ordered (an order_placed in the same session)."""
    events = _sessions(t, store_id, since, until)
    views = events.filter(events.type == "page_view", events.path.notnull())
    first = ibis.window(group_by="session_id", order_by=["occurred_at", "id"])
    entries = views.mutate(rank=ibis.row_number().over(first))
    entries = entries.filter(entries.rank == 0).select("session_id", "path")
    joined = entries.left_join(_ordered_sessions(events), "session_id")
    return joined.group_by("path").aggregate(sessions=_.count(), ordered=_.ordered.count())


DAY_SECONDS = 86_400


def first_order_journeys(t: Tables, store_id: int, since: datetime, until: datetime) -> ir.Table:
    """Customers whose first order (not cancelled) was in the period, by how many storefront sessions
    they had up to it (`sessions`: "0", "1", "2", "3" for 3-5, "6" for 6 or more) and how long before
    it their first recorded visit was (`days`: "none" without one, "0" within a day, "1" for 1-7
    days, "8" for 8-30, "31" for more); `customers`, and their `session_count` and `seconds` summed
    (seconds only for those with a visit) for averages."""
    firsts = first_orders(t, store_id)
    firsts = firsts.filter(_within(firsts.first_order_at, since, until))
    events = t.events
    visits = events.filter(events.store_id == store_id, events.customer_id.notnull())
    visits = visits.select(visitor=visits.customer_id, at=visits.occurred_at, session=visits.session_id)
    joined = firsts.left_join(
        visits, [firsts.customer_id == visits.visitor, visits.at <= firsts.first_order_at]
    )
    per = joined.group_by(["customer_id", "first_order_at"]).aggregate(
        session_count=_.session.nunique(where=_.session != ""), first_seen=_.at.min()
    )
    # whole seconds: some engines (DuckDB) give an epoch with its fraction
    seconds = (per.first_order_at.epoch_seconds() - per.first_seen.epoch_seconds()) // 1
    count = per.session_count
    per = per.mutate(
        seconds=seconds,
        sessions=ibis.cases(
            (count == 0, "0"), (count == 1, "1"), (count == 2, "2"), (count <= 5, "3"), else_="6"
        ),
        days=ibis.cases(
            (per.first_seen.isnull(), "none"),
            (seconds < DAY_SECONDS, "0"),
            (seconds <= 7 * DAY_SECONDS, "1"),
            (seconds <= 30 * DAY_SECONDS, "8"),
            else_="31",
        ),  # fmt: skip
    )
    return per.group_by(["sessions", "days"]).aggregate(
        customers=_.count(), session_count=_.session_count.sum(), seconds=_.seconds.sum()
    )


def abandoned_checkouts(t: Tables, store_id: int, since: datetime, until: datetime) -> ir.Table:
    """One row: sessions of the period that started a checkout (`started`), those with no order_placed
    in the same session (`abandoned`) and their value (each session's latest checkout total)."""
    events = _sessions(t, store_id, since, until)
    started = events.filter(events.type == "checkout_started")
    latest = ibis.window(group_by="session_id", order_by=[ibis.desc("occurred_at"), ibis.desc("id")])
    started = started.mutate(rank=ibis.row_number().over(latest))
    started = started.filter(started.rank == 0).select("session_id", "amount")
    joined = started.left_join(_ordered_sessions(events), "session_id")
    left = joined.ordered.isnull()
    return joined.aggregate(
        started=_.count(), abandoned=_.count(where=left), value=_.amount.sum(where=left).fill_null(0)
    )


def month_index(column, offset_seconds: int):
    """The calendar month of a timestamp (year * 12 + month - 1) at a fixed offset from UTC (the store's)."""
    shifted = column + ibis.interval(seconds=offset_seconds)
    return shifted.year() * 12 + shifted.month() - 1


def cohorts(t: Tables, store_id: int, first_month: int, last_month: int, offset_seconds: int) -> ir.Table:
    """Monthly first-order cohorts: per (cohort month, months since), the cohort's customers who ordered
    that month and their net. Months are month indexes (month_index) from first_month to last_month."""
    orders = _placed(t, store_id)
    orders = orders.filter(orders.customer_id.notnull())
    orders = orders.mutate(
        month=month_index(orders.created_at, offset_seconds), net=orders.total - orders.refunded_amount
    )
    firsts = orders.group_by("customer_id").aggregate(cohort=_.month.min())
    firsts = firsts.filter((firsts.cohort >= first_month) & (firsts.cohort <= last_month))
    joined = orders.join(firsts, "customer_id")
    joined = joined.filter(joined.month <= last_month).mutate(age=joined.month - joined.cohort)
    return joined.group_by(["cohort", "age"]).aggregate(customers=_.customer_id.nunique(), net=_.net.sum())


def cohorts_by_starts(t: Tables, store_id: int, starts: list[datetime]) -> ir.Table:
    """`cohorts` for months given by the instants they begin at, and after them the end of the last:
    a calendar Python works out (the Solar Hijri months a Persian page reads in). Months are numbered
    0, 1, ... from starts[0]; a customer whose first order came before starts[0] is in no cohort."""
    orders = _placed(t, store_id)
    orders = orders.filter(orders.customer_id.notnull(), orders.created_at < _instant(starts[-1]))
    months = len(starts) - 1
    month = ibis.cases(
        *((orders.created_at < _instant(start), number - 1) for number, start in enumerate(starts[:-1])),
        else_=months - 1,
    )
    orders = orders.mutate(month=month, net=orders.total - orders.refunded_amount)
    firsts = orders.group_by("customer_id").aggregate(cohort=_.month.min())
    firsts = firsts.filter(firsts.cohort >= 0)
    joined = orders.join(firsts, "customer_id").mutate(age=_.month - _.cohort)
    return joined.group_by(["cohort", "age"]).aggregate(customers=_.customer_id.nunique(), net=_.net.sum())


def outcomes_by_nps_band(t: Tables, store_id: int, since: datetime, until: datetime, days: int) -> ir.Table:
    """Do promoters buy again more? Per band of the customers' NPS answers given in [since, until): the
    customers, how many ordered within `days` after answering, and the net they spent in those days.

    Each customer counts once, by their latest answer in the window (band: high = promoter, mid = passive,
    low = detractor). The window should end `days` before today, so that every answer had its full time.
    """
    responses = t.responses
    answers = responses.filter(
        responses.store_id == store_id, responses.survey_kind == "nps", responses.score.notnull(),
        responses.customer_id.notnull(), _within(responses.created_at, since, until),
    )  # fmt: skip
    newest_first = ibis.row_number().over(
        group_by="customer_id", order_by=[ibis.desc("created_at"), ibis.desc("id")]
    )
    answers = answers.mutate(rank=newest_first)
    answers = answers.filter(answers.rank == 0).select("customer_id", "band", answered_at=answers.created_at)
    return (
        _outcomes(t, store_id, answers, days)
        .group_by("band")
        .aggregate(customers=_.count(), came_back=_.came_back.sum(), net=_.net.sum())
    )


def outcomes_without_answer(
    t: Tables, store_id: int, since: datetime, until: datetime, days: int
) -> ir.Table:
    """The same for customers who never answered an NPS survey: from their first order in [since, until),
    did they order again within `days`, and what did they spend then (the baseline for the bands)."""
    responses = t.responses
    answered = responses.filter(
        responses.store_id == store_id, responses.survey_kind == "nps", responses.customer_id.notnull()
    ).select("customer_id")
    orders = _placed(t, store_id)
    orders = orders.filter(orders.customer_id.notnull(), _within(orders.created_at, since, until))
    orders = orders.filter(~orders.customer_id.isin(answered.customer_id))
    anchors = orders.group_by("customer_id").aggregate(answered_at=_.created_at.min())
    anchors = anchors.mutate(band=ibis.literal("none"))
    return _outcomes(t, store_id, anchors, days).aggregate(
        customers=_.count(), came_back=_.came_back.sum(), net=_.net.sum()
    )


def _outcomes(t: Tables, store_id: int, anchors: ir.Table, days: int) -> ir.Table:
    """Per anchor (customer_id, band, answered_at): came_back (0/1), net of their orders in the next days."""
    orders = _placed(t, store_id)
    orders = orders.filter(orders.customer_id.notnull()).select(
        order_customer=orders.customer_id,
        ordered_at=orders.created_at,
        net=orders.total - orders.refunded_amount,
    )
    joined = anchors.left_join(
        orders,
        [
            anchors.customer_id == orders.order_customer,
            orders.ordered_at > anchors.answered_at,
            orders.ordered_at <= anchors.answered_at + ibis.interval(days=days),
        ],
    )
    per_customer = joined.group_by(["customer_id", "band"]).aggregate(
        orders_after=_.ordered_at.count(), net=_.net.sum().fill_null(0)
    )
    return per_customer.mutate(came_back=ibis.ifelse(per_customer.orders_after > 0, 1, 0))


def gap_days(t: Tables, store_id: int, until: datetime) -> ir.Table:
    """The days between each customer's consecutive orders placed before `until`, as a histogram: per
    whole number of days (rounded down), how many gaps. The store's inter-purchase times, from which
    the churn threshold is suggested (reports.build_churn)."""
    orders = _placed(t, store_id)
    orders = orders.filter(orders.customer_id.notnull(), orders.created_at < until)
    seconds = orders.created_at.epoch_seconds()
    previous = seconds.lag().over(group_by="customer_id", order_by=[orders.created_at, orders.id])
    gaps = orders.mutate(gap=((seconds - previous) / 86_400).floor().cast("int64"))
    gaps = gaps.filter(gaps.gap.notnull())
    return gaps.group_by("gap").aggregate(count=_.count())


def churned(t: Tables, store_id: int, until: datetime, days: int) -> ir.Table:
    """Customers with an order placed before `until`: how many, and how many placed none in the `days`
    days before it (churned, at that threshold)."""
    orders = _placed(t, store_id)
    orders = orders.filter(orders.customer_id.notnull(), orders.created_at < until)
    last = orders.group_by("customer_id").aggregate(last=_.created_at.max())
    cut = ibis.literal(until - timedelta(days=days))
    return last.aggregate(buyers=_.count(), churned=ibis.ifelse(last.last < cut, 1, 0).sum())


def _period_orders(t: Tables, store_id: int, since: datetime, until: datetime) -> ir.Table:
    """The period's orders with `own` (their UTM source, else the host that referred them, without
    www.: the touch the order itself carries, or null) and `fallback` (the platform's source channel,
    else "direct"), and their net."""
    orders = _placed(t, store_id)
    orders = orders.filter(_within(orders.created_at, since, until))
    if t.referrer_hosts is not None:
        orders = orders.join(t.referrer_hosts, "id")
    orders = _with_touch(orders)
    return orders.mutate(net=orders.total - orders.refunded_amount)


def _with_touch(orders: ir.Table) -> ir.Table:
    """`own`: the order's UTM source, else the host that referred it (without www.), or null;
    `fallback`: its platform's source channel, else "direct"."""
    host = orders.referrer_host.re_replace(r"^www\.", "").nullif("").lower()
    return orders.mutate(
        own=ibis.coalesce(orders.utm_source.strip().lower().nullif(""), host),
        fallback=ibis.coalesce(orders.source_channel.strip().lower().nullif(""), ibis.literal("direct")),
    )


def revenue_by_channel(t: Tables, store_id: int, since: datetime, until: datetime) -> ir.Table:
    """Orders and net per channel of the period, by the order's last touch: its UTM source, else the
    host that referred it (without www.), else the platform's source channel, else "direct"."""
    orders = _period_orders(t, store_id, since, until)
    orders = orders.mutate(channel=_channel_of(orders))
    return orders.group_by("channel").aggregate(orders=_.count(), net=_.net.sum()).order_by(ibis.desc("net"))


ATTRIBUTION_MODELS = ("last", "first", "linear")


def attributed_revenue(
    t: Tables, store_id: int, since: datetime, until: datetime, window_days: int
) -> ir.Table:
    """Orders and net of the period per channel under three attribution models, one row per channel:
    `<model>_orders` (a share of an order under `linear`) and `<model>_net` for each of
    ATTRIBUTION_MODELS.

    An order's touches are the customer's storefront visits that came from somewhere (an event
    with a `source`: sources.event_source) in the `window_days` before it, and the order's own
    touch (its UTM source or referrer) at the moment it was placed. `last` gives the whole order
    to the latest touch, `first` to the earliest, `linear` an equal share to each. An order with no
    touch counts for its platform channel, else "direct", under every model.
    """
    orders = _period_orders(t, store_id, since, until)
    events = t.events
    visits = events.filter(
        events.store_id == store_id, events.customer_id.notnull(), events.source.notnull(),
        events.occurred_at < ibis.literal(until),
        events.occurred_at >= ibis.literal(since - timedelta(days=window_days)),
    ).select(visitor=events.customer_id, at=events.occurred_at, channel=events.source)  # fmt: skip
    buyers = orders.filter(orders.customer_id.notnull()).select(
        order_id=orders.id, buyer=orders.customer_id, placed=orders.created_at
    )
    earlier = buyers.join(
        visits,
        [
            buyers.buyer == visits.visitor,
            visits.at <= buyers.placed,
            visits.at > buyers.placed - ibis.interval(days=window_days),
        ],
    ).select("order_id", "at", "channel")
    own = orders.filter(orders.own.notnull())
    own = own.select(order_id=own.id, at=own.created_at, channel=own.own)
    touches = earlier.union(own.cast(earlier.schema()))
    by_order = ibis.window(group_by="order_id", order_by=["at", "channel"])
    latest_first = ibis.window(group_by="order_id", order_by=[ibis.desc("at"), ibis.desc("channel")])
    touches = touches.mutate(
        first=ibis.row_number().over(by_order) == 0,
        last=ibis.row_number().over(latest_first) == 0,
        touches=_.channel.count().over(ibis.window(group_by="order_id")),
    )
    credited = touches.join(orders.select(order_id=orders.id, net=orders.net), "order_id")
    credited = credited.mutate(share=ibis.literal(1.0) / credited.touches)
    untouched = orders.anti_join(touches, orders.id == touches.order_id).select(
        channel=orders.fallback, net=orders.net, first=ibis.literal(True), last=ibis.literal(True),
        share=ibis.literal(1.0),
    )  # fmt: skip
    rows = credited.select("channel", "net", "first", "last", "share")
    rows = rows.union(untouched.cast(rows.schema()))
    return rows.group_by("channel").aggregate(
        last_orders=_.count(where=_.last),
        last_net=_.net.sum(where=_.last).fill_null(0),
        first_orders=_.count(where=_.first),
        first_net=_.net.sum(where=_.first).fill_null(0),
        linear_orders=_.share.sum(),
        linear_net=(_.net.cast("float64") * _.share).sum(),
    )


def referral_rate(t: Tables, store_id: int, since: datetime, until: datetime) -> ir.Table:
    """One row: the customers whose first order was in the period (`new_customers`) and how many of them
    came through a referral (`referred`), each once: through a referral link (`by_link`: a visit with a
    `ref` parameter at or before that order), or with a referring customer's code on that order
    (`by_code`: the order's `referred`, commerce.referrals), or both (`by_both`). A customer's first
    order is their earliest not cancelled, by (time, id)."""
    firsts = _customer_orders(t, store_id)
    firsts = firsts.filter(_within(firsts.first_order_at, since, until))
    orders = _placed(t, store_id)
    orders = orders.filter(_within(orders.created_at, since, until))  # the first orders among them
    firsts = firsts.join(orders, firsts.first_order_id == orders.id).select(
        firsts.customer_id, firsts.first_order_at, code=orders.referred.fill_null(False)
    )
    events = t.events
    referred = events.filter(events.store_id == store_id, events.referred, events.customer_id.notnull())
    referred = referred.select(visitor=referred.customer_id, at=referred.occurred_at)
    hits = (
        firsts.join(referred, [firsts.customer_id == referred.visitor, referred.at <= firsts.first_order_at])
        .select("customer_id")
        .distinct()
    )
    hits = hits.mutate(hit=ibis.literal(True))
    joined = firsts.left_join(hits, "customer_id")
    joined = joined.mutate(link=joined.hit.fill_null(False))
    return joined.aggregate(
        new_customers=_.count(),
        referred=_.count(where=_.link | _.code),
        by_link=_.count(where=_.link & ~_.code),
        by_code=_.count(where=_.code & ~_.link),
        by_both=_.count(where=_.link & _.code),
    )


PATH_STEPS = 5  # a path's first steps; a longer one ends in "more"
PATH_STEP_TYPES = ("page_view", "product_view", "add_to_cart", "checkout_started")


def first_order_paths(t: Tables, store_id: int, since: datetime, until: datetime) -> ir.Table:
    """The paths to a first order: per path, the customers whose first order (not cancelled) was in the
    period and took it, and the median of their seconds from the path's first step to the order.

    A customer's *ordering session* is the session of their latest storefront event (with a session)
    at or before their first order, by (time, id): the session they ordered in, else their last one
    before it. Its events of PATH_STEP_TYPES at or before the order, by (time, id), are the steps: a
    page view is its path (never its query or fragment; "page_view" without one), the other events
    their type (product_view, add_to_cart, checkout_started: the kinds of page the snippet records).
    Consecutive equal steps count once; `step_1` to `step_5` are the first PATH_STEPS (null past the
    end) and `more` is 1 when there were more. A customer without such a session, or whose session
    has no step before the order, has no path. `seconds` is whole seconds; the median of an even
    number of customers is the mean of the two middle values.
    """
    firsts = first_orders(t, store_id)
    firsts = firsts.filter(_within(firsts.first_order_at, since, until)).select(
        "customer_id", "first_order_at"
    )
    events = t.events.filter(t.events.store_id == store_id, t.events.session_id != "")
    own = events.filter(events.customer_id.notnull())
    own = own.select(visitor=own.customer_id, at=own.occurred_at, event=own.id, session=own.session_id)
    seen = firsts.join(own, [firsts.customer_id == own.visitor, own.at <= firsts.first_order_at])
    latest = ibis.window(group_by="customer_id", order_by=[ibis.desc("at"), ibis.desc("event")])
    seen = seen.mutate(rank=ibis.row_number().over(latest))
    chosen = seen.filter(seen.rank == 0).select("customer_id", "first_order_at", "session")
    steps = events.filter(events.type.isin(PATH_STEP_TYPES))
    steps = chosen.join(
        steps, [chosen.session == steps.session_id, steps.occurred_at <= chosen.first_order_at]
    )
    steps = steps.select(
        "customer_id", "first_order_at", "occurred_at", event=steps.id,
        step=ibis.ifelse(steps.type == "page_view", steps.path.fill_null("page_view"), steps.type),
    )  # fmt: skip
    in_order = ibis.window(group_by="customer_id", order_by=["occurred_at", "event"])
    steps = steps.mutate(before=steps.step.lag().over(in_order))
    steps = steps.filter(steps.before.isnull() | (steps.before != steps.step))
    steps = steps.mutate(position=ibis.row_number().over(in_order))
    per = steps.group_by(["customer_id", "first_order_at"]).aggregate(
        started=_.occurred_at.min(), steps=_.count(),
        **{f"step_{n}": _.step.max(where=_.position == n - 1) for n in range(1, PATH_STEPS + 1)},
    )  # fmt: skip
    per = per.mutate(
        more=ibis.ifelse(per.steps > PATH_STEPS, 1, 0),
        seconds=(per.first_order_at.epoch_seconds() - per.started.epoch_seconds()) // 1,
    )
    return _median_seconds(per, [f"step_{n}" for n in range(1, PATH_STEPS + 1)] + ["more"])


def _median_seconds(per: ir.Table, keys: list[str]) -> ir.Table:
    """Per group of `keys`: the rows (`customers`) and the median of their `seconds` (the two middle
    values' mean for an even count), with window functions, so every engine gives the same answer."""
    group = ibis.window(group_by=keys, order_by=["seconds", "customer_id"])
    per = per.mutate(
        position=ibis.row_number().over(group), size=per.customer_id.count().over(ibis.window(group_by=keys))
    )
    middle = (per.position == (per.size - 1) // 2) | (per.position == per.size // 2)
    return per.group_by(keys).aggregate(
        customers=_.size.max(), median_seconds=_.seconds.cast("float64").mean(where=middle)
    )
