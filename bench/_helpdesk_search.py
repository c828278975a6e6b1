"""The `search` part of `cxloop bench helpdesk`: the inbox's search over N messages.

Seeds --messages messages (about three a conversation, in Polish, Latvian,
Persian, Chinese and English, over a year) into the bench store, and a tenth
as many into a second store the searches must never see, with bulk SQL:
executemany on SQLite, COPY on PostgreSQL. Search documents are prepared by
`helpdesk.search.prepare_document` once per distinct sentence and name (a
document is its parts' words, which is what the indexer writes; a sample of
conversations is indexed again by `services.indexing` and must come out with
the same words), and the index is built once after loading: FTS5 'rebuild' on
SQLite, CREATE INDEX on PostgreSQL.

Each case is a search typed in the inbox. Timed for each: the inbox page (the
htmx results partial, signed in through Django's test Client), the query the
page runs (`inbox_queries.build_inbox_page`, one page, and its snippets),
and the baseline: one hand-written FTS query through a plain cursor (FTS5
MATCH joined to the conversations on SQLite; the tsvector's @@ on PostgreSQL)
with the same words, newest activity first, one page. The query's page and
the baseline's must be the same conversations.
"""

import random
import time
from datetime import UTC, datetime, timedelta

from bench.search import _timings
from bench.surveys import _default, _raw_insert

PER_PAGE = 25
BENCH_USER = "helpdesk-search-bench@cxloop.test"
CHUNK = 20_000
OTHER_SHARE = 10  # the second store gets 1/OTHER_SHARE as many messages
SAMPLE = 200  # conversations indexed again by the service and compared

SENTENCES = {
    "pl": [
        "Dzień dobry, chciałbym zwrócić buty, bo są za małe.", "Paczka nie dotarła do paczkomatu.",
        "Kurier zostawił przesyłkę u sąsiada.", "Proszę o fakturę VAT na firmę.",
        "Czy mogę wymienić kurtkę na większy rozmiar?", "Zamówienie jest opłacone, ale nie wysłane.",
        "Reklamacja: szwy puściły po tygodniu.", "Dziękuję za szybką odpowiedź.",
        "Kiedy wróci do sprzedaży zielony płaszcz?", "Proszę o etykietę zwrotną.",
        "Rozmiar 42 jest za mały, potrzebuję 43.", "Pozdrawiam serdecznie.",
    ],
    "lv": [
        "Labdien, vēlos atgriezt kurpes, tās ir par mazām.", "Sūtījums nav piegādāts uz pakomātu.",
        "Kurjers atstāja paku pie kaimiņa.", "Lūdzu rēķinu uzņēmumam.",
        "Vai varu apmainīt jaku pret lielāku izmēru?", "Pasūtījums ir apmaksāts, bet nav nosūtīts.",
        "Pretenzija: šuves izira pēc nedēļas.", "Paldies par ātro atbildi.",
        "Kad zaļais mētelis atkal būs pieejams?", "Ar cieņu.",
    ],
    "fa": [
        "سلام، می‌خواهم کفش‌ها را پس بدهم چون کوچک هستند.", "بسته به دستم نرسیده است.",
        "پیک بسته را به همسایه داد.", "لطفاً فاکتور رسمی برای شرکت بفرستید.",
        "آیا می‌توانم کاپشن را با سایز بزرگ‌تر عوض کنم؟", "سفارش پرداخت شده ولی ارسال نشده.",
        "شکایت: درزها بعد از یک هفته باز شد.", "از پاسخ سریع شما ممنونم.",
        "پالتوی سبز کی دوباره موجود می‌شود؟", "با احترام.",
    ],
    "zh": [
        "你好，我想退货，因为尺码不对。", "包裹还没有送到快递柜。", "快递员把包裹放在邻居家了。",
        "请给公司开发票。", "我可以把夹克换成大一号的吗？", "订单已经付款，但是还没有发货。",
        "投诉：穿了一周就开线了。", "谢谢你们的快速回复。", "绿色大衣什么时候再有货？", "此致敬礼。",
    ],
    "en": [
        "Hello, I would like to return the shoes, they are too small.",
        "The parcel never reached the locker.",
        "The courier left the package with a neighbour.", "Please send a VAT invoice for my company.",
        "Can I exchange the jacket for a larger size?", "The order is paid but has not shipped.",
        "Complaint: the seams came apart after a week.", "Thanks for the quick answer.",
        "When will the green coat be back in stock?", "Kind regards.",
    ],
}  # fmt: skip
SUBJECTS = {
    "pl": ["Zwrot", "Gdzie jest paczka?", "Faktura", "Wymiana rozmiaru", "Reklamacja"],
    "lv": ["Atgriešana", "Kur ir sūtījums?", "Rēķins", "Izmēra maiņa", "Pretenzija"],
    "fa": ["بازگشت کالا", "بسته کجاست؟", "فاکتور", "تعویض سایز", "شکایت"],
    "zh": ["退货申请", "包裹在哪里？", "发票", "换尺码", "投诉"],
    "en": ["Return", "Where is my parcel?", "Invoice", "Size exchange", "Complaint"],
}
NAMES = {
    "pl": ["Łucja Żółkiewska", "Paweł Wróbel", "Agnieszka Kowalczyk", "Michał Wiśniewski", "Zofia Dąbrowska"],
    "lv": ["Ļubova Bērziņa", "Jānis Kalniņš", "Māra Ozoliņa", "Andris Liepiņš", "Ilze Krūmiņa"],
    "fa": ["زهرا رضایی", "علی محمدی", "مریم حسینی", "رضا کریمی", "فاطمه احمدی"],
    "zh": ["王秀英", "李伟", "张敏", "刘洋", "陈静"],
    "en": ["Alice Smith", "Tom Brown", "Emma Jones", "Oliver Taylor", "Grace Wilson"],
}  # fmt: skip
LANGUAGES = list(SENTENCES)


def run(messages: int, seed: int, repeat: int) -> dict:
    """Seed, build the index, check it, and time every case; the result as JSON-ready data."""
    from cxloop.core import services as core_services

    store, _key = core_services.create_store(name="Helpdesk search bench", currency="EUR", slug="search")
    other, _key = core_services.create_store(name="Another store", currency="EUR", slug="search-other")
    started = time.perf_counter()
    seeded = _seed(store, other, messages, random.Random(seed))
    seeded["seconds"] = round(time.perf_counter() - started, 1)
    seeded["same_as_indexer"] = _same_as_indexer(store)
    client = _signed_in(store)
    cases = _cases(_a_contact(store))
    return {"seeded": seeded, "cases": [_measure(store, client, case, repeat) for case in cases]}


def _a_contact(store) -> str:
    """The start of one contact's email address (a word of a few conversations)."""
    from cxloop.helpdesk.models import Conversation

    email = Conversation.objects.filter(store=store).values_list("contact_email", flat=True).first()
    return email.partition("@")[0]


# -- seeding ----------------------------------------------------------------------------------------


class _Prepared:
    """prepare_document once per distinct text (sentences, names and subjects come back all the time)."""

    def __init__(self):
        from cxloop.helpdesk.search import prepare_document

        self.prepare, self.known = prepare_document, {}

    def __call__(self, *texts: str) -> str:
        words = []
        for text in texts:
            if text not in self.known:
                self.known[text] = self.prepare(text)
            if self.known[text]:
                words.append(self.known[text])
        return " ".join(words)


def _seed(store, other, messages: int, rng: random.Random) -> dict:
    from django.db import connection, transaction

    prepared = _Prepared()
    conversation_id = 0
    now = datetime.now(UTC).replace(microsecond=0)
    counts = {}
    with transaction.atomic():
        _drop_index(connection)
        for target, count in [(store, messages), (other, max(1, messages // OTHER_SHARE))]:
            rows = _rows(target, count, conversation_id, now, rng, prepared)
            conversation_id += len(rows["conversations"])
            for table, chunk in rows.items():
                counts[f"{target.slug}:{table}"] = len(chunk)
            _insert(connection, target, rows)
        _reset_sequence(connection)
        started = time.perf_counter()
        _build_index(connection)
    return {"rows": counts, "index_seconds": round(time.perf_counter() - started, 1)}


def _rows(store, count: int, first_id: int, now: datetime, rng: random.Random, prepared) -> dict:
    """Conversations of 1 to 5 messages (3 on average) until `count` messages, newest ids newest."""
    conversations, messages, documents = [], [], []
    left, number = count, 0
    year = 365 * 24 * 3600
    starts = sorted(rng.random() * year for _ in range(count // 3 + 1))
    while left > 0:
        size = min(left, rng.randint(1, 5))
        left -= size
        number += 1
        language = rng.choice(LANGUAGES)
        name = rng.choice(NAMES[language])
        email = f"customer{rng.randrange(10**6)}@example.{language}"
        subject = rng.choice(SUBJECTS[language])
        opened = now - timedelta(seconds=year - starts[min(number - 1, len(starts) - 1)])
        texts, at = [], opened
        for index in range(size):
            if index:
                at += timedelta(minutes=rng.randint(5, 600))
            pieces = rng.sample(SENTENCES[language], 2)
            if rng.random() < 0.3:
                pieces.append(f"#{rng.randrange(10**5, 10**6)}")  # an order number: many distinct words
            kind = "incoming" if index % 2 == 0 else "reply"
            messages.append((first_id + number, kind, " ".join(pieces), at))
            texts.extend(pieces)
        status = rng.choice(["open", "pending", "resolved", "resolved", "resolved"])
        conversation = (first_id + number, number, subject, language, name, email, status, opened, at)
        conversations.append(conversation)
        documents.append((first_id + number, prepared(subject, name, email, *texts), at))
    return {"conversations": conversations, "messages": messages, "documents": documents}


def _insert(connection, store, rows: dict) -> None:
    from cxloop.helpdesk.models import Conversation, Message, SearchDocument

    def times(value):
        return value.replace(tzinfo=None).isoformat(" ") if connection.vendor == "sqlite" else value

    conversation_values = [
        {"id": pk, "store_id": store.pk, "number": number, "subject": subject, "channel": "email",
         "status": status, "priority": "normal", "contact_email": email, "contact_name": name,
         "language": language, "reply_key": f"k{pk}", "created_at": times(opened),
         "updated_at": times(last), "last_message_at": times(last),
         "last_customer_message_at": times(opened),
         "resolved_at": times(last) if status == "resolved" else None}
        for pk, number, subject, language, name, email, status, opened, last in rows["conversations"]
    ]  # fmt: skip
    _insert_model(connection, Conversation, conversation_values)
    message_values = [
        {"store_id": store.pk, "conversation_id": conversation_id, "kind": kind, "channel": "email",
         "text": text, "reply_text": text, "created_at": times(at)}
        for conversation_id, kind, text, at in rows["messages"]
    ]  # fmt: skip
    _insert_model(connection, Message, message_values)
    document_values = [
        {"conversation_id": pk, "store_id": store.pk, "text": text, "updated_at": times(at)}
        for pk, text, at in rows["documents"]
    ]
    _insert_model(connection, SearchDocument, document_values)


def _insert_model(connection, model, values: list[dict]) -> None:
    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and f.attname == "id")]
    if values and "id" in values[0]:
        fields = [model._meta.pk, *fields]
    defaults = {f.attname: _default(f) for f in fields}
    columns = [f.column for f in fields]
    for start in range(0, len(values), CHUNK):
        rows = [
            tuple(v.get(f.attname, defaults[f.attname]) for f in fields)
            for v in values[start : start + CHUNK]
        ]
        _raw_insert(connection, model._meta.db_table, columns, rows)


def _migration_sql():
    import importlib

    return importlib.import_module("cxloop.helpdesk.migrations.0011_search")


def _drop_index(connection) -> None:
    """Load without the index (triggers on SQLite, the GIN index on PostgreSQL); _build_index makes it."""
    migration = _migration_sql()
    statements = (
        migration.SQLITE_REVERSE[:3]
        if connection.vendor == "sqlite"
        else ["DROP INDEX helpdesk_search_words"]
    )
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _build_index(connection) -> None:
    migration = _migration_sql()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("INSERT INTO helpdesk_search(helpdesk_search) VALUES ('rebuild')")
            for statement in migration.SQLITE[1:]:
                cursor.execute(statement)
        else:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no CREATE INDEX beside pending FK checks
            cursor.execute(migration.POSTGRESQL[1])
            cursor.execute("ANALYZE")


def _reset_sequence(connection) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('helpdesk_conversation', 'id'), "
                "(SELECT MAX(id) FROM helpdesk_conversation))"
            )


def _same_as_indexer(store) -> bool:
    """Whether the seeded documents are what services.indexing writes for the same conversations."""
    from django.db import transaction

    from cxloop.helpdesk.models import SearchDocument
    from cxloop.helpdesk.services.indexing import index_conversations

    ids = list(SearchDocument.objects.filter(store=store).order_by("?").values_list("pk", flat=True)[:SAMPLE])

    def words():  # in any order: the index is a set of words, and _Prepared joins them piece by piece
        texts = SearchDocument.objects.filter(pk__in=ids).values_list("pk", "text")
        return {pk: sorted(text.split()) for pk, text in texts}

    seeded = words()
    with transaction.atomic():
        index_conversations(ids)
        again = words()
        transaction.set_rollback(True)
    return seeded == again


# -- timing -----------------------------------------------------------------------------------------


def _cases(contact: str) -> list[tuple[str, dict]]:
    return [
        ("Polish word", {"q": "zwrócić"}), ("Polish, typed plain", {"q": "zwrocic"}),
        ("Polish, two words", {"q": "paczka paczkomatu"}), ("Polish prefix", {"q": "rekl"}),
        ("Latvian, typed plain", {"q": "piegadats"}), ("Latvian name", {"q": "Bērziņa"}),
        ("Persian, Arabic letters", {"q": "ميخواهم"}), ("Persian, two words", {"q": "پیک همسایه"}),
        ("Chinese word in a sentence", {"q": "退货"}), ("Chinese, two words", {"q": "快递员 邻居"}),
        ("English word", {"q": "courier"}), ("rare: a contact's address", {"q": contact}),
        ("open ones only", {"q": "invoice", "status": "open"}), ("no match", {"q": "zzqxj"}),
        ("deep page (10)", {"q": "shoes", "page": "10"}), ("no search: the inbox without one", {"q": ""}),
    ]  # fmt: skip


def _signed_in(store):
    from django.test import Client

    from cxloop.core.models import Membership
    from cxloop.core.services import add_staff

    user, _password = add_staff(store=store, email=BENCH_USER, role=Membership.Role.AGENT)
    client = Client()
    client.force_login(user)
    client.user = user
    return client


def _measure(store, client, case: tuple[str, dict], repeat: int) -> dict:
    from django.db import connection

    from cxloop.helpdesk import inbox_queries, queries
    from cxloop.helpdesk.search import fts5_query, search_words, tsquery

    name, params = case
    params = {"status": "all", **params}
    status = "" if params["status"] == "all" else params["status"]
    filters = queries.InboxFilter(status=status, search=params["q"])
    htmx = {"HX-Request": "true", "HX-Target": "inbox-results"}

    def page():
        response = client.get("/helpdesk/", params, headers=htmx, secure=True)
        assert response.status_code == 200, response.status_code

    def query():
        found = inbox_queries.build_inbox_page(
            store, filters, client.user, params.get("page"), per_page=PER_PAGE
        )
        queries.list_snippets(store, found.items, filters.search)
        return [c.pk for c in found.items]

    words = search_words(params["q"])
    offset = (int(params.get("page", 1)) - 1) * PER_PAGE
    where, args = ("AND c.status = %s", [status]) if status else ("", [])
    if not words:
        sql = (
            f"SELECT c.id FROM helpdesk_conversation c WHERE c.store_id = %s {where} "
            f"ORDER BY c.last_message_at DESC, c.id DESC LIMIT {PER_PAGE + 1} OFFSET {offset}"
        )
        args = [store.pk, *args]
    elif connection.vendor == "postgresql":
        sql = (
            "SELECT c.id FROM helpdesk_searchdocument d "
            "JOIN helpdesk_conversation c ON c.id = d.conversation_id "
            f"WHERE d.store_id = %s AND d.words @@ CAST(%s AS tsquery) {where} "
            f"ORDER BY c.last_message_at DESC, c.id DESC LIMIT {PER_PAGE + 1} OFFSET {offset}"
        )
        args = [store.pk, tsquery(words), *args]
    else:
        sql = (
            "SELECT c.id FROM helpdesk_search s JOIN helpdesk_conversation c ON c.id = s.rowid "
            f"WHERE helpdesk_search MATCH %s AND c.store_id = %s {where} "
            f"ORDER BY c.last_message_at DESC, c.id DESC LIMIT {PER_PAGE + 1} OFFSET {offset}"
        )
        args = [fts5_query(words), store.pk, *args]

    def baseline():
        with connection.cursor() as cursor:
            cursor.execute(sql, args)
            return [row[0] for row in cursor.fetchall()[:PER_PAGE]]

    found = query()
    return {
        "case": name, "params": params, "found": len(found), "same_as_baseline": found == baseline(),
        "page": _timings(page, repeat), "query": _timings(query, repeat),
        "baseline": _timings(baseline, repeat),
    }  # fmt: skip


def print_results(results: dict) -> None:
    """One table per database: p50 and p99 of the page, the query and the baseline, with their ratios."""
    for database, result in results.items():
        seeded = result["seeded"]
        rows = seeded["rows"]
        print(
            f"\nInbox search on {database}: {rows.get('search:messages', 0):,} messages in "
            f"{rows.get('search:conversations', 0):,} conversations "
            f"(+{rows.get('search-other:messages', 0):,} in another store); seeded in {seeded['seconds']} s, "
            f"index built in {seeded['index_seconds']} s; "
            f"documents as the indexer writes them: {'yes' if seeded['same_as_indexer'] else 'NO'}"
        )
        head = (
            f"  {'case':28} {'found':>5} {'page p50':>9} {'p99':>7} {'query p50':>9} {'p99':>7} "
            f"{'SQL p50':>8} {'p99':>7} {'page/SQL':>8} {'query/SQL':>9} same"
        )
        print(head)
        print("  " + "-" * (len(head) - 2))
        for r in result["cases"]:
            page, query, base = r["page"], r["query"], r["baseline"]
            floor = max(base["p50_ms"], 0.01)
            print(
                f"  {r['case'][:28]:28} {r['found']:>5} {page['p50_ms']:>9.1f} {page['p99_ms']:>7.1f} "
                f"{query['p50_ms']:>9.1f} {query['p99_ms']:>7.1f} "
                f"{base['p50_ms']:>8.2f} {base['p99_ms']:>7.2f} "
                f"{page['p50_ms'] / floor:>8.1f} {query['p50_ms'] / floor:>9.1f} "
                f"{'yes' if r['same_as_baseline'] else 'NO'}"
            )
    print("  (ms; page: the inbox's htmx results; query: build_inbox_page and its snippets;")
    print("   SQL: the hand-written FTS query alone, same words and page)")
