"""`cxloop bench helpdesk`: inbound mail against the standard library; the inbox's search against SQL.

Part `inbound`: N mails from `helpdesk.mail.corpus.build_corpus` (eight
languages, their charsets, encoded words, HTML alternatives, quoted history,
attachments, replies with In-Reply-To and References) are received twice,
into two stores, through the whole path: parse, flood counter, threading,
the conversation and its message, routing, SLA, the store's rules, the search
document, webhooks, attachments written to the storage.

- `webhook`: `helpdesk.services.inbound.receive_email` one mail at a time,
  one committed transaction per mail, as a provider's inbound webhook (one
  mail per request) calls it.
- `at once`: the same webhook path with WEBHOOK_THREADS requests at once
  (`helpdesk.services.inbound_group.receive` from that many threads, taking
  the corpus in order), as a provider posting its queue over several
  connections to one web process: the mails waiting while a group is
  stored are stored together, in one transaction.
- `imap`: the mailbox poller's path after the IMAP fetch,
  `helpdesk.services.mailboxes.store_fetched` with the task's `deliver`, in
  batches of at most FETCH_BATCH mails and FETCH_BYTES: one transaction per
  batch (each mail in its savepoint, the mailbox's last_uid moved in the same
  transaction), the store's configuration and the batch's lookups read once
  per batch.

The baseline, in the same run on the same corpus, is the standard library
alone: `email.message_from_bytes(raw, policy=email.policy.default)`, timed
before and after the paths, the faster of the two counting. Each
ratio is the path's mails/s over the standard library's (goal >= 25 %); the
parser alone (`parse_email`, no database) is timed too, to tell parsing from
storing. SQLite runs with synchronous=FULL as in production: every commit is
a flush to disk.

Afterwards each store must hold exactly one message per distinct mail, and
a second delivery of the first mails must store nothing.

Each database runs in its own process on a fresh scratch database: SQLite in
a temp dir, PostgreSQL in --postgres-url (dropped and re-created; its name
must contain 'bench').

    cxloop bench helpdesk --db both --mails 2000

Part `search`: the inbox's search over --messages seeded messages in five
languages, each case's page and query beside a hand-written FTS query in the
same run (p50/p99); see bench/_helpdesk_search.py.

    cxloop bench helpdesk --parts search --db both --messages 20000
    cxloop bench helpdesk --parts search --db both --messages 5000000   # the real run, quiet machine

Results are printed as a table and written to var/bench/helpdesk-<timestamp>.json.
"""

import argparse
import contextlib
import email
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from email import policy
from pathlib import Path

from bench import _helpdesk_search
from bench._timing import parse_parts
from bench.surveys import _PostgresDb  # the scratch database the other benchmarks use

ROOT = Path(__file__).resolve().parents[1]
STORE = "helpdesk-bench"
SEED = 20261203
WARM_UP = 50
RESENT = 100  # mails delivered a second time after the timed run: each must be stored once
UIDVALIDITY = 7
PARTS = ("inbound", "search", "replies", "inbox")
WEBHOOK_THREADS = 4  # requests at once into one web process: `cxloop serve`'s threads per process


def main(argv: list[str]) -> None:
    if argv[:1] == ["--child"]:
        return _child(argv[1:])
    args = _parse_args(argv)
    databases = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results = {}
    for part in args.parts:
        if part in ("inbound", "search"):
            results[part] = {database: _run_one(database, part, args) for database in databases}
        elif part == "replies":
            from bench import helpdesk_replies

            results[part] = {database: helpdesk_replies.run(database, args) for database in databases}
    if "inbound" in results:
        _print(results["inbound"], args.mails)
    if "search" in results:
        _helpdesk_search.print_results(results["search"])
    if "replies" in results:
        _print_replies(results["replies"])
    print(f"\nresults: {_write_json(results, args)}")
    if "inbox" in args.parts:  # a long-lived seeded database of its own, with its own results file
        from bench import helpdesk_inbox

        inbox_args = ["--conversations", str(args.conversations), "--repeat", str(args.repeat)]
        if args.inbox_database_url:
            inbox_args += ["--database-url", args.inbox_database_url]
        helpdesk_inbox.main(inbox_args)


def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="cxloop bench helpdesk", description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "postgresql", "both"], default="sqlite")
    parser.add_argument("--parts", default="inbound,replies", help=f"comma-separated: {', '.join(PARTS)}")
    parser.add_argument("--mails", type=int, default=2000, help="inbound: mails received")
    parser.add_argument(
        "--messages", type=int, default=20_000,
        help="search: messages seeded (the real run: 5000000, on a quiet machine)",
    )  # fmt: skip
    parser.add_argument("--replies", type=int, default=2000, help="replies: replies sent")
    parser.add_argument("--reply-workers", type=int, default=2, help="replies: worker processes")
    parser.add_argument("--conversations", type=int, default=1_000_000, help="inbox: conversations seeded")
    parser.add_argument("--repeat", type=int, default=100, help="search and inbox: timed runs per case")
    parser.add_argument("--inbox-database-url", default="", help="inbox: the seeded database to use/keep")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--postgres-url", default="postgres://postgres@127.0.0.1:5432/cxbench_helpdesk",
        help="scratch database, dropped and re-created (its name must contain 'bench')",
    )  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args(argv)
    args.db = {"postgresql": "postgres"}.get(args.db, args.db)
    args.parts = parse_parts(parser, args.parts, PARTS)
    if min(args.mails, args.messages, args.repeat, args.replies, args.reply_workers) < 1:
        parser.error("--mails, --messages, --repeat, --replies and --reply-workers must be >= 1")
    return args


def _run_one(database: str, part: str, args) -> dict:
    with tempfile.TemporaryDirectory(prefix="cxbench-helpdesk-") as tmp:
        env = {**os.environ, "CXLOOP_VAR_DIR": tmp, "DJANGO_SETTINGS_MODULE": "cxloop.settings", "DEBUG": "0"}
        env.setdefault("SECRET_KEY", "bench-secret-key-" + "x" * 40)
        env.setdefault(
            "CXLOOP_ENCRYPTION_KEYS", "YmVuY2gtZW5jcnlwdGlvbi1rZXktMzItYnl0ZXMtLS0="
        )  # the mailbox's
        env["ALLOWED_HOSTS"] = "testserver"
        # The flood counter runs on every mail, as in production, but the corpus must not trip it.
        env["CXLOOP_HELPDESK_FLOOD_LIMIT"] = str(args.mails * 2 + RESENT)
        env.pop("CXLOOP_REDIS_URL", None)
        scratch = None
        if database == "sqlite":
            env["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        else:
            scratch = _PostgresDb(args.postgres_url)
            scratch.create()
            env["DATABASE_URL"] = scratch.url
        try:
            numbers = (
                [args.mails, args.seed] if part == "inbound" else [args.messages, args.seed, args.repeat]
            )
            done = subprocess.run(
                [sys.executable, "-m", "bench.helpdesk", "--child", part, *map(str, numbers)],
                cwd=ROOT, env=env, capture_output=True, text=True, check=False,
            )  # fmt: skip
        finally:
            if scratch is not None and not args.keep:
                scratch.drop()
    if done.returncode != 0:
        sys.exit(f"the {database} {part} run failed:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _child(argv: list[str]) -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    part, numbers = argv[0], [int(n) for n in argv[1:]]
    if part == "search":
        print(json.dumps(_helpdesk_search.run(*numbers), ensure_ascii=False))
        return
    _inbound(*numbers)


def _inbound(mails: int, seed: int) -> None:
    from cxloop.core import services as core_services
    from cxloop.helpdesk.mail.corpus import build_corpus
    from cxloop.helpdesk.models import Attachment, Conversation, Mailbox, Message
    from cxloop.helpdesk.services import mailboxes
    from cxloop.helpdesk.services.inbound import receive_email
    from cxloop.helpdesk.tasks import deliver_to_inbox

    def poll(mailbox, raws, first_uid: int) -> None:  # what a poll does with what it fetched
        deliver, result = deliver_to_inbox(mailbox), mailboxes.PollResult()
        by_uid = {first_uid + n: raw for n, raw in enumerate(raws)}
        for uids in mailboxes.plan_batches([(uid, len(raw)) for uid, raw in by_uid.items()]):
            batch = [(uid, by_uid[uid]) for uid in uids]
            mailboxes.store_fetched(mailbox, UIDVALIDITY, batch, deliver, result)

    def mailbox_of(store):
        return Mailbox.objects.create(
            store=store,
            address=f"support@{store.slug}.example",
            host="imap.example",
            username="u",
            password="p",
        )

    store, _created = core_services.create_store(name="Helpdesk bench", currency="EUR", slug=STORE)
    polled, _created = core_services.create_store(
        name="Helpdesk bench IMAP", currency="EUR", slug=f"{STORE}-imap"
    )
    corpus = build_corpus(mails, seed)
    size = sum(len(raw) for raw in corpus)

    # Warm up as a long-running worker is (the language detector's models, Django's caches): a few
    # mails of another seed into another store, not timed.
    warm_store, _created = core_services.create_store(name="Warm-up", currency="EUR", slug=f"{STORE}-warm")
    warm_corpus = build_corpus(WARM_UP, seed + 1)
    for raw in warm_corpus:
        email.message_from_bytes(raw, policy=policy.default)
        with contextlib.suppress(Exception):
            receive_email(store=warm_store, raw=raw)
    warm_polled, _created = core_services.create_store(
        name="Warm-up 2", currency="EUR", slug=f"{STORE}-warm2"
    )
    poll(mailbox_of(warm_polled), warm_corpus, 1)
    from cxloop.core.startup import settle

    settle()  # as the task worker and the web workers do once started (core/startup.py)

    def time_stdlib() -> float:
        started = time.perf_counter()
        for raw in corpus:
            email.message_from_bytes(raw, policy=policy.default)
        return time.perf_counter() - started

    stdlib_before = time_stdlib()

    from cxloop.helpdesk.mail.parse import parse_email

    started = time.perf_counter()
    for raw in corpus:
        with contextlib.suppress(Exception):
            parse_email(raw)
    parse_s = time.perf_counter() - started

    refused = 0
    started = time.perf_counter()
    for raw in corpus:
        try:
            receive_email(store=store, raw=raw)
        except Exception:  # a refusal is counted, and the check below says whether it was right
            refused += 1
    receive_s = time.perf_counter() - started

    mailbox = mailbox_of(polled)
    started = time.perf_counter()
    poll(mailbox, corpus, 1)
    poll_s = time.perf_counter() - started

    grouped, _created = core_services.create_store(
        name="Helpdesk bench webhooks at once", currency="EUR", slug=f"{STORE}-grouped"
    )
    started = time.perf_counter()
    grouped_refused = _post_at_once(grouped, corpus, WEBHOOK_THREADS)
    grouped_s = time.perf_counter() - started
    grouped_messages = Message.objects.filter(store=grouped).count()
    polled_messages = Message.objects.filter(store=polled).count()
    commit_s = _time_commits(mails)
    # The baseline again after the paths, and the faster of its two runs: a machine that sped up or
    # slowed down meanwhile never flatters the ratio.
    stdlib_s = min(stdlib_before, time_stdlib())

    stored = Message.objects.filter(store=store).count()
    before = stored
    for raw in corpus[:RESENT]:
        with contextlib.suppress(Exception):
            receive_email(store=store, raw=raw)
    distinct = len({_identity(raw) for raw in corpus})
    result = {
        "mails": mails,
        "bytes": size,
        "stdlib_s": stdlib_s,
        "parse_s": parse_s,
        "receive_s": receive_s,
        "stdlib_per_s": mails / stdlib_s,
        "parse_per_s": mails / parse_s,
        "receive_per_s": mails / receive_s,
        "ratio": stdlib_s / receive_s,
        "poll_s": poll_s,
        "poll_per_s": mails / poll_s,
        "poll_ratio": stdlib_s / poll_s,
        "polled_messages": polled_messages,
        "grouped_threads": WEBHOOK_THREADS,
        "grouped_s": grouped_s,
        "grouped_per_s": mails / grouped_s,
        "grouped_ratio": stdlib_s / grouped_s,
        "grouped_ms": grouped_s / mails * 1000,
        "grouped_messages": grouped_messages,
        "grouped_refused": grouped_refused,
        "polled_conversations": Conversation.objects.filter(store=polled).count(),
        "parse_ratio": stdlib_s / parse_s,
        # One committed one-row transaction per mail, as many as the webhook path committed: the
        # part of that path's time no faster code can take away while each delivery is flushed
        # before it is acknowledged.
        "commit_s": commit_s,
        "commit_ms": commit_s / mails * 1000,
        "receive_ms": receive_s / mails * 1000,
        "poll_ms": poll_s / mails * 1000,
        "refused": refused,
        "messages": stored,
        "distinct_mails": distinct,
        "stored_again": Message.objects.filter(store=store).count() - before,
        "conversations": Conversation.objects.filter(store=store).count(),
        "threaded": stored - Conversation.objects.filter(store=store).count(),
        "attachments": Attachment.objects.filter(store=store).count(),
    }
    if (
        stored + refused != mails
        or stored != distinct
        or result["stored_again"] != 0
        or (polled_messages, result["polled_conversations"]) != (stored, result["conversations"])
        or (grouped_messages, grouped_refused) != (stored, refused)
    ):
        print(json.dumps(result), file=sys.stderr)
        sys.exit("check failed: every distinct mail must be stored once, and a resent one not again")
    print(json.dumps(result))


def _post_at_once(store, corpus: list[bytes], threads: int) -> int:
    """The corpus through `inbound_group.receive` from `threads` threads at once, in the corpus's
    order, as a provider posting its queue over that many connections to one web process (`cxloop
    serve` runs 4 threads a process) does; the mails refused."""
    import threading

    from django.db import connection

    from cxloop.helpdesk.services import inbound_group

    lock, next_mail, refused = threading.Lock(), iter(corpus), []

    def post() -> None:
        try:
            while True:
                with lock:
                    raw = next(next_mail, None)
                if raw is None:
                    return
                try:
                    inbound_group.receive(store=store, raw=raw)
                except Exception:
                    refused.append(raw)
        finally:
            connection.close()

    workers = [threading.Thread(target=post) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return len(refused)


def _time_commits(count: int) -> float:
    """Seconds for `count` transactions of one small row each, committed one by one (a flush to
    disk each on SQLite with synchronous=FULL, a WAL flush on PostgreSQL)."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_commit (n integer, note varchar(40))")
    started = time.perf_counter()
    for n in range(count):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("INSERT INTO bench_commit (n, note) VALUES (%s, %s)", [n, "a committed delivery"])
    took = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_commit")
    return took


def _identity(raw: bytes) -> bytes:
    message = email.message_from_bytes(raw, policy=policy.compat32)
    return (message.get("Message-ID") or "").strip().encode() or raw


def _print(results: dict, mails: int) -> None:
    print(f"\nInbound mail, {mails:,} mails from the corpus, the whole path (mails/s):")
    print(
        f"  {'database':<10} {'stdlib':>8} {'parse_email':>12} {'webhook':>8} {'ratio':>7}"
        f" {'at once':>8} {'ratio':>7} {'imap':>8} {'ratio':>7}  ms/mail: webhook, commit, imap"
        "   stored/threaded/files"
    )
    for database, row in results.items():
        print(
            f"  {database:<10} {row['stdlib_per_s']:>8,.0f} {row['parse_per_s']:>12,.0f} "
            f"{row['receive_per_s']:>8,.0f} {row['ratio']:>7.1%}"
            f" {row['grouped_per_s']:>8,.0f} {row['grouped_ratio']:>7.1%}"
            f" {row['poll_per_s']:>8,.0f} {row['poll_ratio']:>7.1%}"
            f"  {row['receive_ms']:>5.2f} {row['commit_ms']:>5.2f} {row['poll_ms']:>5.2f}"
            f"   {row['messages']:,} / {row['threaded']:,} / {row['attachments']:,}"
        )
    print("  webhook: receive_email, one committed transaction per mail (a provider's inbound webhook)")
    print(
        f"  at once: inbound_group.receive from {WEBHOOK_THREADS} threads at once (webhooks posted together"
        " into one web process: the mails waiting are stored in one transaction)"
    )
    print("  imap: a poll's store_fetched, one transaction per fetched batch of mails (the IMAP poller)")
    print("  commit: one committed one-row transaction, timed as many times in the same run")
    print("  ratio: mails/s over the standard library's message_from_bytes(policy=default); goal >= 25 %")


def _print_replies(results: dict) -> None:
    print("\nReplies sent by email by the worker processes, threaded, to an SMTP sink (replies/s):")
    print(f"  {'database':<10} {'smtplib':>8} {'replies':>8} {'ratio':>7}  checks")
    for database, row in results.items():
        print(
            f"  {database:<10} {row['baseline_per_second']:>8,.0f} {row['per_second']:>8,.0f}"
            f" {row['ratio']:>7.1%}"
            f"  {'ok' if not row['failed_checks'] else 'FAILED: ' + ', '.join(row['failed_checks'])}"
            + ("  (goal >= 30 %)" if row["ratio"] < 0.30 else "")
        )
    print("  ratio: replies/s over minimal messages sent over one smtplib connection")


def _write_json(results: dict, args) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    path = ROOT / "var" / "bench" / f"helpdesk-{stamp}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {
        "python": platform.python_version(),
        "load": os.getloadavg(),
        "parts": args.parts,
        "mails": args.mails,
        "messages": args.messages,
        "replies": args.replies,
        "repeat": args.repeat,
        "seed": args.seed,
    }
    path.write_text(json.dumps({"meta": meta, **results}, indent=2))
    return path


if __name__ == "__main__":
    main(sys.argv[1:])
