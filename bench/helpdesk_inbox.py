"""`cxloop bench helpdesk --parts inbox`: the help-desk inbox at a million conversations.

Opens the database of --database-url (default: var/bench/helpdesk.sqlite3),
migrated, and seeds the store --store with --conversations conversations of
--messages-per messages each if that store is missing (bulk SQL through
`seed_conversations`: 1,000,000 conversations and 5,000,000 messages by
default, a realistic mix of statuses, agents, teams, tags, channels,
priorities and languages over two years). Then, for each case, it times:

page
    the real inbox page (`/helpdesk/`, the htmx results partial, as the
    filters request it) through Django's test Client, signed in as an agent;
query
    the query the page runs: `inbox_queries.build_inbox_page(...)` (the rows as
    plain `InboxRow`s; `queries.list_conversations` is the same question through
    the ORM), and the snippets for a search;
baseline
    one hand-written SQL query answering the same question (the page's rows,
    their agent, team and customer, and each one's latest message excerpt)
    through a plain cursor.

It checks that the query and the baseline return the same conversations, and
prints p50 and p99 of each with the page's and the query's ratio to the
baseline (goal: page p99 <= 100 ms, query <= 3x the SQL).

    cxloop bench helpdesk --parts inbox --conversations 1000000

Results are printed and written to var/bench/helpdesk-inbox-<timestamp>.json.
"""

import argparse
import functools
import json
import os
import platform
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.search import _timings  # p50 and p99 of repeated runs, as the customers benchmark times
from bench.surveys import _raw_insert

ROOT = Path(__file__).resolve().parents[1]
PER_PAGE = 25  # helpdesk.views.PER_PAGE (checked in _cases)
EXCERPT = 140  # helpdesk.queries.EXCERPT
AGENTS = 20
TEAMS = ("Returns", "Wholesale", "Persian-speaking", "Shipping")
TAGS = ("refund", "late", "broken", "vip", "invoice", "size", "exchange", "complaint", "thanks", "b2b")
BENCH_AGENT = "helpdesk-bench-agent-0@cxloop.test"
SEED = 20261203
BATCH = 20_000

# What customers and agents write, in the languages the shop sells in (the search part reads them too).
TEXTS = (
    "Where is my parcel? I ordered shoes a week ago and tracking has not moved.",
    "The jacket arrived torn at the sleeve, I would like a refund or an exchange.",
    "Can I change the delivery address of order {n}? I moved last week.",
    "Gdzie jest moja paczka? Zamówienie {n} miało dotrzeć w piątek.",
    "Buty są za małe, chciałabym wymienić na rozmiar 39. Czy zwrot jest darmowy?",
    "Paldies, prece saņemta, bet trūkst viena izmēra. Lūdzu, pārbaudiet pasūtījumu {n}.",
    "Kur ir mana paka? Pasūtījums {n} vēl nav piegādāts.",
    "سفارش {n} من هنوز نرسیده است. لطفا وضعیت ارسال را بررسی کنید.",
    "کفش‌ها اندازه نیستند، می‌خواهم آن‌ها را عوض کنم.",
    "我的订单{n}还没有收到，请帮我查一下物流信息。",
    "衣服尺码太小了，可以换大一号吗？退货运费谁承担？",
    "Meine Bestellung {n} ist noch nicht angekommen, bitte prüfen Sie den Versand.",
    "Thank you, the refund arrived. Have a good day!",
    "Hello, we sent a replacement today, tracking number follows in a separate email.",
    "Dzień dobry, zwrot został zlecony, pieniądze wrócą w ciągu 3 dni roboczych.",
)
LANGUAGES = (
    "en",
    "en",
    "en",
    "pl",
    "pl",
    "lv",
    "lv",
    "fa",
    "fa",
    "zh-hans",
    "zh-hans",
    "de",
    "en",
    "en",
    "pl",
)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        prog="cxloop bench helpdesk --parts inbox", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--database-url", default=f"sqlite:///{ROOT}/var/bench/helpdesk.sqlite3")
    parser.add_argument("--store", default="helpdesk-inbox-bench", help="store slug; seeded if missing")
    parser.add_argument(
        "--conversations", type=int, default=1_000_000, help="conversations to seed if missing"
    )
    parser.add_argument("--messages-per", type=int, default=5, help="messages per conversation when seeding")
    parser.add_argument("--repeat", type=int, default=100, help="timed runs per case")
    args = parser.parse_args(argv)
    setup_django(args.database_url)
    store = seeded_store(args.store, args.conversations, args.messages_per)
    _print_head()
    results = []
    for case in _cases(store):
        results.append(_measure(store, case, args.repeat))
        _print_row(results[-1])
    print(f"\nresults: {_write_json(store, results, args)}")


def setup_django(url: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxloop.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ["DATABASE_URL"] = url
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    import django
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0)


def seeded_store(slug: str, conversations: int, messages_per: int):
    """The store of the benchmark, seeded with conversations if it does not exist yet."""
    from cxloop.core.models import Store
    from cxloop.demo.services import ensure_store

    store = Store.objects.filter(slug=slug).first()
    if store is None:
        store, _key = ensure_store(slug=slug)
        seed_conversations(store, conversations, messages_per)
    return store


def seed_conversations(store, conversations: int, messages_per: int, *, seed: int = SEED) -> None:
    """Agents, teams, tags, then conversations and their messages, written by bulk SQL in batches."""
    from django.db import connection, transaction
    from tqdm import tqdm

    from cxloop.core.models import Membership
    from cxloop.core.services import add_staff
    from cxloop.helpdesk.models import Conversation, Message, Tag, Team

    rng = random.Random(seed)
    agents = [
        add_staff(store=store, email=f"helpdesk-bench-agent-{i}@cxloop.test", role=Membership.Role.AGENT)[
            0
        ].pk
        for i in range(AGENTS)
    ]
    teams = [Team.objects.get_or_create(store=store, name=name)[0].pk for name in TEAMS]
    tags = [Tag.objects.get_or_create(store=store, name=name)[0].pk for name in TAGS]
    end = datetime.now(UTC).replace(microsecond=0)
    start = end - timedelta(days=730)
    span = (end - start).total_seconds()
    conversation_columns = _columns(Conversation)
    message_columns = _columns(Message)
    tag_table = Conversation.tags.through._meta.db_table
    first_id = (Conversation.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    first_number = (
        Conversation.objects.filter(store=store).order_by("-number").values_list("number", flat=True).first()
        or 0
    ) + 1
    with tqdm(total=conversations, unit="conversation", desc="seeding") as bar:
        for batch_start in range(0, conversations, BATCH):
            size = min(BATCH, conversations - batch_start)
            conversation_rows, message_rows, tag_rows = [], [], []
            for offset in range(size):
                i = batch_start + offset
                pk = first_id + i
                # Older conversations are resolved; the last weeks hold the open work.
                created = start + timedelta(
                    seconds=span * (i / max(conversations - 1, 1)) + rng.uniform(0, 600)
                )
                recent = (end - created) < timedelta(days=21)
                status = rng.choices(
                    ("open", "pending", "snoozed", "resolved"), (50, 20, 5, 25) if recent else (1, 1, 0, 98)
                )[0]
                text_index = rng.randrange(len(TEXTS))
                email = f"customer{rng.randrange(conversations // 3 + 1)}@mail.example"
                times = sorted(
                    created + timedelta(minutes=rng.uniform(5, 3000)) for _ in range(messages_per - 1)
                )
                last = times[-1] if times else created
                values = {
                    "store_id": store.pk, "number": first_number + i,
                    "subject": TEXTS[text_index].format(n=1000 + i)[:60],
                    "channel": rng.choices(("email", "form", "api", "chat"), (70, 15, 5, 10))[0],
                    "status": status,
                    "priority": rng.choices(("low", "normal", "high", "urgent"), (10, 75, 12, 3))[0],
                    "customer_id": None, "contact_email": email,
                    "contact_name": f"Customer {i}", "language": LANGUAGES[text_index],
                    "assignee_id": rng.choice(agents) if rng.random() < 0.8 else None,
                    "team_id": rng.choice(teams) if rng.random() < 0.5 else None,
                    "snoozed_until": end + timedelta(days=3) if status == "snoozed" else None,
                    "merged_into_id": None, "reply_key": f"{rng.getrandbits(64):016x}",
                    "created_at": created, "updated_at": last, "last_message_at": last,
                    "last_customer_message_at": created,
                    "first_response_at": times[0] if times else None,
                    "last_agent_reply_at": times[-1] if times else None,
                    "resolved_at": last if status == "resolved" else None,
                }  # fmt: skip
                conversation_rows.append(_row(conversation_columns, values, pk=pk))
                if rng.random() < 0.3:
                    for tag in rng.sample(tags, rng.randint(1, 2)):
                        tag_rows.append((pk, tag))
                for n, at in enumerate([created, *times]):
                    kind = "incoming" if n % 2 == 0 else ("note" if rng.random() < 0.1 else "reply")
                    text = TEXTS[(text_index + n) % len(TEXTS)].format(n=1000 + i)
                    message = {
                        "store_id": store.pk, "conversation_id": pk, "kind": kind,
                        "channel": values["channel"],
                        "author_id": values["assignee_id"] if kind != "incoming" else None,
                        "from_email": email if kind == "incoming" else "", "subject": values["subject"],
                        "text": text, "reply_text": text, "created_at": at,
                        "delivery": "sent" if kind == "reply" else "",
                        "sent_at": at if kind == "reply" else None,
                    }  # fmt: skip
                    message_rows.append(_row(message_columns, message))
            with transaction.atomic():
                _insert(
                    connection, Conversation._meta.db_table, conversation_columns, conversation_rows, pk=True
                )
                _insert(connection, Message._meta.db_table, message_columns, message_rows)
                _insert(connection, tag_table, ["conversation_id", "tag_id"], tag_rows)
            bar.update(size)
    _index(store)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # the rows came with their ids: move the sequence past them
            table = Conversation._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT MAX(id) FROM {table}))", [table]
            )
        cursor.execute("ANALYZE")


def _index(store) -> None:
    """The search documents of the seeded conversations, written by the indexer as the app writes them."""
    from tqdm import tqdm

    from cxloop.helpdesk.models import Conversation, SearchDocument
    from cxloop.helpdesk.services.indexing import BATCH, index_conversations

    indexed = SearchDocument.objects.filter(store=store).values_list("conversation_id", flat=True)
    missing = list(
        Conversation.objects.filter(store=store).exclude(pk__in=indexed).values_list("pk", flat=True)
    )
    with tqdm(total=len(missing), unit="conversation", desc="indexing") as bar:
        for start in range(0, len(missing), BATCH):
            index_conversations(missing[start : start + BATCH])
            bar.update(min(BATCH, len(missing) - start))


def _columns(model) -> list:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def _row(fields, values: dict, pk: int | None = None) -> tuple:
    from django.db import connection

    sqlite = connection.vendor == "sqlite"
    row = [] if pk is None else [pk]
    for field, default in _defaults(tuple(fields)):
        value = values.get(field.attname, default)
        if isinstance(value, datetime) and sqlite:
            value = value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
        elif isinstance(value, list | dict):
            value = json.dumps(value)
        row.append(value)
    return tuple(row)


@functools.cache
def _defaults(fields: tuple) -> list:
    return [(field, field.get_default()) for field in fields]


def _insert(connection, table: str, fields, rows: list[tuple], pk: bool = False) -> None:
    if rows:  # COPY on PostgreSQL, executemany on SQLite, as the surveys benchmark writes its rows
        columns = (["id"] if pk else []) + [f.column if hasattr(f, "column") else f for f in fields]
        _raw_insert(connection, table, columns, rows)


class Case:
    """One inbox view, as the filters ask for it, with its hand-written SQL."""

    def __init__(self, name: str, params: dict, where: str = "", args: tuple = (), join: str = ""):
        self.name, self.params, self.where, self.args, self.join = name, params, where, args, join

    def baseline_args(self, store) -> list:
        return [store.pk, *self.args]

    def baseline_sql(self) -> str:
        page = int(self.params.get("page", 1))
        where = f" AND {self.where}" if self.where else ""
        return (
            "SELECT c.id, c.number, c.subject, c.status, c.priority, c.channel, c.contact_email,"
            " c.contact_name, c.last_message_at, u.email, t.name, cu.email,"
            f" (SELECT substr(m.reply_text, 1, {EXCERPT}) FROM helpdesk_message m"
            "   WHERE m.conversation_id = c.id AND m.kind <> 'note'"
            "   ORDER BY m.created_at DESC, m.id DESC LIMIT 1)"
            f" FROM helpdesk_conversation c{self.join}"
            " LEFT JOIN auth_user u ON u.id = c.assignee_id"
            " LEFT JOIN helpdesk_team t ON t.id = c.team_id"
            " LEFT JOIN commerce_customer cu ON cu.id = c.customer_id"
            f" WHERE c.store_id = %s{where}"
            f" ORDER BY c.last_message_at DESC, c.id DESC LIMIT {PER_PAGE + 1} OFFSET {(page - 1) * PER_PAGE}"
        )


class SearchCase(Case):
    """A search typed in the inbox (every status): the store's full-text index, newest activity first.

    Baseline: the FTS query written by hand (FTS5 MATCH joined to the conversations on SQLite, the
    tsvector's @@ on PostgreSQL), the words prepared as the search box prepares them (helpdesk.search).
    """

    def __init__(self, name: str, q: str):
        super().__init__(name, {"status": "", "q": q})

    def baseline_args(self, store) -> list:
        from django.db import connection

        from cxloop.helpdesk.search import fts5_query, search_words, tsquery

        words = search_words(self.params["q"])
        if connection.vendor == "postgresql":
            return [store.pk, tsquery(words)]
        return [fts5_query(words), store.pk]

    def baseline_sql(self) -> str:
        from django.db import connection

        if connection.vendor == "postgresql":
            return (
                "SELECT c.id FROM helpdesk_searchdocument d"
                " JOIN helpdesk_conversation c ON c.id = d.conversation_id"
                " WHERE d.store_id = %s AND d.words @@ CAST(%s AS tsquery)"
                f" ORDER BY c.last_message_at DESC, c.id DESC LIMIT {PER_PAGE + 1}"
            )
        return (
            "SELECT c.id FROM helpdesk_search s JOIN helpdesk_conversation c ON c.id = s.rowid"
            " WHERE helpdesk_search MATCH %s AND c.store_id = %s"
            f" ORDER BY c.last_message_at DESC, c.id DESC LIMIT {PER_PAGE + 1}"
        )


def _cases(store) -> list[Case]:
    from django.contrib.auth import get_user_model

    from cxloop.helpdesk import views
    from cxloop.helpdesk.models import Conversation, Tag, Team

    assert views.PER_PAGE == PER_PAGE, "the inbox's page size changed: update PER_PAGE"
    latest = Conversation.objects.filter(store=store).order_by("-pk")
    someone = latest.values_list("contact_email", flat=True)[0]  # a real customer's address
    agent = get_user_model().objects.get(email=BENCH_AGENT)
    team = Team.objects.get(store=store, name="Returns")
    tag = Tag.objects.get(store=store, name="refund")
    join_tag = " JOIN helpdesk_conversation_tags ct ON ct.conversation_id = c.id"
    return [
        Case("first page (open)", {}, "c.status = %s", ("open",)),
        Case("mine, open", {"assignee": "mine"}, "c.status = %s AND c.assignee_id = %s", ("open", agent.pk)),
        Case(
            "unassigned, open",
            {"assignee": "unassigned"},
            "c.status = %s AND c.assignee_id IS NULL",
            ("open",),
        ),
        Case("team, open", {"team": team.pk}, "c.status = %s AND c.team_id = %s", ("open", team.pk)),
        Case("tag, any status", {"status": "", "tag": tag.pk}, "ct.tag_id = %s", (tag.pk,), join_tag),
        Case(
            "chat, urgent, any status",
            {"status": "", "channel": "chat", "priority": "urgent"},
            "c.channel = %s AND c.priority = %s",
            ("chat", "urgent"),
        ),  # fmt: skip
        Case("resolved", {"status": "resolved"}, "c.status = %s", ("resolved",)),
        Case("all, page 20", {"status": "", "page": 20}),
        SearchCase("search: parcel (English)", "parcel"),
        SearchCase("search: zamowienie (Polish, no diacritics)", "zamowienie"),
        SearchCase("search: paka (Latvian)", "paka"),
        SearchCase("search: سفارش (Persian)", "سفارش"),
        SearchCase("search: 物流 (Chinese, in a sentence)", "物流"),
        SearchCase("search: refund exchange (two words)", "refund exchange"),
        SearchCase("search: one customer's address", someone),
    ]


def _measure(store, case: Case, repeat: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from cxloop.helpdesk import inbox_queries, queries, views

    agent = get_user_model().objects.get(email=BENCH_AGENT)
    client = Client()
    client.force_login(agent)
    htmx = {"HX-Request": "true", "HX-Target": "inbox-results"}

    class Request:  # what views._filters reads
        GET = {str(k): str(v) for k, v in case.params.items()}

    filters = views._filters(Request)

    def page():
        response = client.get("/helpdesk/", case.params, headers=htmx)
        assert response.status_code == 200, response.status_code

    def query():
        rows = inbox_queries.build_inbox_page(
            store, filters, agent, str(case.params.get("page", 1)), per_page=PER_PAGE
        )
        if filters.search:
            queries.list_snippets(store, rows.items, filters.search)
        return [c.pk for c in rows.items]

    def baseline():
        with connection.cursor() as cursor:
            cursor.execute(case.baseline_sql(), case.baseline_args(store))
            return [row[0] for row in cursor.fetchall()[:PER_PAGE]]

    found = query()
    same = found == baseline()
    return {
        "case": case.name, "found": len(found), "same_as_baseline": same, "params": case.params,
        "page": _timings(page, repeat), "query": _timings(query, repeat),
        "baseline": _timings(baseline, repeat),
    }  # fmt: skip


def _print_head() -> None:
    head = (f"{'case':28} {'found':>5} {'page p50':>9} {'p99':>8} {'query p50':>9} {'p99':>8} "
            f"{'SQL p50':>8} {'p99':>8} {'page/SQL':>8} {'query/SQL':>9} same")  # fmt: skip
    print(head)
    print("-" * len(head), flush=True)


def _print_row(r: dict) -> None:
    page, query, base = r["page"], r["query"], r["baseline"]
    print(
        f"{r['case'][:28]:28} {r['found']:>5} {page['p50_ms']:>9.1f} {page['p99_ms']:>8.1f} "
        f"{query['p50_ms']:>9.1f} {query['p99_ms']:>8.1f} {base['p50_ms']:>8.1f} {base['p99_ms']:>8.1f} "
        f"{page['p50_ms'] / base['p50_ms']:>8.1f} {query['p50_ms'] / base['p50_ms']:>9.1f} "
        f"{'yes' if r['same_as_baseline'] else 'NO'}",
        flush=True,
    )


def _write_json(store, results: list[dict], args) -> Path:
    from django.db import connection

    from cxloop.helpdesk.models import Conversation, Message

    folder = ROOT / "var" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"helpdesk-inbox-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps({
        "database": connection.vendor, "store": store.slug,
        "conversations": Conversation.objects.filter(store=store).count(),
        "messages": Message.objects.filter(store=store).count(), "repeat": args.repeat,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "load": os.getloadavg()},
        "results": results,
    }, indent=2, ensure_ascii=False))  # fmt: skip
    return path
