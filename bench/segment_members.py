"""`cxloop bench segment_members`: refreshing segments' member rows at a million customers.

On the store `cxloop bench segments` seeds (bench/_segments_seed.py; the same
--sqlite-path / --postgres-url reuse a kept one), each of that benchmark's
seven queries is saved as a segment and its member rows refreshed
(`segments.services.members.refresh_members`), CXLOOP_SEGMENT_REFRESH_CHUNK
customers a transaction:

- **first**: every member enters (the worst case: all rows and changes written);
- **again**: nothing changed (what the worker's refresh every 15 minutes costs
  on a quiet store);

each with its wall time and the longest chunk transaction (on SQLite, how long
the write lock is held at once; every other writer waits at most that long).
The first case is also refreshed with --chunks sizes to choose the default.
The process's peak RSS is read before and after (it must not grow with the
store: no id list is read into Python).

Then the reads the member rows serve, rows against the query run live: a
survey send's batch of 500 (`surveys.services.sends.list_filter_customers`)
at the start and in the middle of the store, its total, and the help desk's
"is this customer in the VIP segment" for one customer; and deleting a segment
with its rows.

    cxloop bench segment_members --customers 20000                   # quick, SQLite
    cxloop bench segment_members --keep --sqlite-path /work/bench-data/segments-1m.sqlite3
    cxloop bench segment_members --db postgres --customers 100000

Results are printed and written to var/bench/segment-members-<timestamp>.json.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench._timing import in_turn, percentiles
from bench.segments import SEED, _cases, _discard, _postgres_exists, _seeded_store, _server_version
from bench.surveys import _PostgresDb

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> None:
    if argv[:1] == ["--child"]:
        return _child(json.loads(argv[1]))
    parser = argparse.ArgumentParser(prog="cxloop bench segment_members", description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--chunks", default="5000,20000,50000", help="chunk sizes tried on the first case")
    parser.add_argument("--repeat", type=int, default=10, help="timed runs of each read")
    parser.add_argument("--keep", action="store_true", help="keep the seeded database (reused next time)")
    parser.add_argument("--sqlite-path", default="")
    parser.add_argument("--postgres-url", default="")
    args = parser.parse_args(argv)
    args.sqlite_path = args.sqlite_path or str(ROOT / "var" / "bench" / f"segments-{args.customers}.sqlite3")
    args.postgres_url = args.postgres_url or f"postgres://postgres@127.0.0.1:5432/segbench_{args.customers}"
    chunks = [int(size) for size in args.chunks.split(",") if size.strip()]
    created = False
    if args.db == "sqlite":
        url, created = f"sqlite:///{args.sqlite_path}", not Path(args.sqlite_path).exists()
        Path(args.sqlite_path).parent.mkdir(parents=True, exist_ok=True)
    else:
        scratch, url = _PostgresDb(args.postgres_url), args.postgres_url
        if not _postgres_exists(scratch):
            scratch.create()
            created = True
    config = {"customers": args.customers, "chunks": chunks, "repeat": args.repeat}
    try:
        _in_child("seed", config, url)  # seeding's own memory stays out of the measured process
        result = _in_child("measure", config, url)
    finally:
        if created and not args.keep:
            _discard(args.db, args)
    _print(result)
    folder = ROOT / "var" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"segment-members-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"\nresults: {path}")


def _in_child(step: str, config: dict, url: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="cxbench-members-") as tmp:
        env = {**os.environ, "CXLOOP_VAR_DIR": tmp, "DATABASE_URL": url, "DEBUG": "0",
               "DJANGO_SETTINGS_MODULE": "cxloop.settings"}  # fmt: skip
        env.setdefault("SECRET_KEY", "bench-secret-key-" + "x" * 40)
        done = subprocess.run(
            [sys.executable, "-m", "bench.segment_members", "--child", json.dumps({**config, "step": step})],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True, check=False,
        )  # fmt: skip
    if done.returncode != 0:
        sys.exit(f"the {step} step failed (exit {done.returncode}):\n{done.stdout[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _child(config: dict) -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    store = _seeded_store(config["customers"], SEED)
    if config["step"] == "seed":
        print(json.dumps({}))
        return
    from django.db import connection

    from cxloop.segments.models import Segment

    Segment.objects.filter(store=store).delete()  # a kept store's segments of an earlier run
    rss_before = _peak_rss_mb()
    now = datetime.now(UTC)
    cases = _cases(store, now)
    chunk_sizes = [_refresh(store, cases[0].text, f"chunk {size:,}", size, now) for size in config["chunks"]]
    refreshes = [_refresh(store, case.text, case.name, None, now) for case in cases]
    result = {
        "database": connection.vendor, "server": _server_version(), "customers": config["customers"],
        "load": os.getloadavg(), "chunk_sizes": chunk_sizes, "refreshes": refreshes,
        "reads": [_reads(store, case, config["repeat"]) for case in cases[:3]],
        "delete": _delete_largest(store), "rss_mb": {"before": rss_before, "peak": _peak_rss_mb()},
    }  # fmt: skip
    print(json.dumps(result, ensure_ascii=False, default=str))


def _refresh(store, text: str, name: str, chunk: int | None, now) -> dict:
    """Save the query as a new segment, refresh it twice; the times, and each chunk transaction's."""
    from django.conf import settings

    from cxloop.segments.models import Segment
    from cxloop.segments.services import members

    chunk = chunk or settings.CXLOOP_SEGMENT_REFRESH_CHUNK
    segment = Segment.objects.create(
        store=store, name=f"{name} {time.time_ns()}", query=text, created_at=now, updated_at=now
    )
    runs = {}
    for run in ("first", "again"):
        transactions: list[float] = []
        began = time.perf_counter()
        with _timing(members, "_settle_in_turn", transactions):
            done = members.refresh_members(segment, chunk=chunk)
        runs[run] = {
            "seconds": round(time.perf_counter() - began, 2), "chunks": len(transactions),
            "chunk_p50_ms": percentiles(transactions)["p50_ms"], "chunk_max_ms": round(max(transactions), 1),
            "entered": done.entered, "left": done.left, "members": done.members,
        }  # fmt: skip
    return {"case": name, "chunk": chunk, "segment": segment.pk, **runs}


class _timing:
    """Time each call of module.name (the chunk transaction) into `into`, for the duration of a block."""

    def __init__(self, module, name: str, into: list[float]):
        self.module, self.name, self.into = module, name, into

    def __enter__(self):
        original = self.original = getattr(self.module, self.name)

        def timed(*args, **kwargs):
            began = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.into.append((time.perf_counter() - began) * 1000)

        setattr(self.module, self.name, timed)

    def __exit__(self, *exc):
        setattr(self.module, self.name, self.original)


def _reads(store, case, repeat: int) -> dict:
    """A survey send's batch, its total and one VIP check: from the rows, and from the query live."""
    from cxloop.commerce.models import Customer
    from cxloop.segments.models import Segment
    from cxloop.segments.query import customers_matching
    from cxloop.surveys.tests.factories import make_survey

    survey = make_survey(store)
    segment = Segment.objects.filter(store=store, query=case.text, members_at__isnull=False).latest("pk")
    live = Segment.objects.get(pk=segment.pk)
    live.members_query = ""  # the same segment, read as before its rows were made
    middle = (
        Customer.objects.filter(store=store)
        .order_by("pk")
        .values_list("pk", flat=True)[Customer.objects.filter(store=store).count() // 2]
    )
    one = Customer.objects.filter(store=store, pk__gt=middle).order_by("pk").values_list("pk", flat=True)[0]
    filters = {"segment": str(segment.pk)}

    def batch(reader, after):
        return lambda: list(_audience(survey, reader, filters).filter(pk__gt=after)[:500])

    def total(reader):
        return lambda: _audience(survey, reader, filters).count()

    sides = {
        "batch_start_rows": batch(segment, 0), "batch_start_live": batch(live, 0),
        "batch_middle_rows": batch(segment, middle), "batch_middle_live": batch(live, middle),
        "total_rows": total(segment), "total_live": total(live),
        "vip_rows": lambda: segment.memberships.filter(customer_id=one).exists(),
        "vip_live": lambda: customers_matching(store, case.text).filter(pk__in=[one]).exists(),
    }  # fmt: skip
    for run in sides.values():
        run()  # warm-up
    same = total(segment)() == total(live)()
    times = in_turn(sides, repeat)
    return {"case": case.name, "same_total": same, **{name: percentiles(t) for name, t in times.items()}}


def _audience(survey, segment, filters):
    """The send's customers with `segment` as the one the send reads (rows, or live)."""
    from cxloop.segments import queries
    from cxloop.surveys.services.sends import list_filter_customers

    original = queries.segment_member_ids
    queries.segment_member_ids = lambda _segment: original(segment)
    try:
        return list_filter_customers(survey, filters).all()
    finally:
        queries.segment_member_ids = original


def _delete_largest(store) -> dict:
    from cxloop.segments.models import Segment
    from cxloop.segments.services.segments import delete_segment

    segment = Segment.objects.filter(store=store).order_by("-member_count").first()
    began = time.perf_counter()
    delete_segment(segment=segment)
    return {"members": segment.member_count, "seconds": round(time.perf_counter() - began, 2)}


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _print(result: dict) -> None:
    print(
        f"\n{result['database']} {result['server']}, {result['customers']:,} customers, load {result['load']}"
    )
    head = ("case", "chunk", "members", "first s", "max tx ms", "again s", "max tx ms")
    print(f"{head[0]:36} " + " ".join(f"{name:>9}" for name in head[1:]))
    for row in result["chunk_sizes"] + result["refreshes"]:
        first, again = row["first"], row["again"]
        print(f"{row['case'][:36]:36} {row['chunk']:>9,} {first['members']:>9,} {first['seconds']:>9} "
              f"{first['chunk_max_ms']:>9} {again['seconds']:>9} {again['chunk_max_ms']:>9}")  # fmt: skip
    for read in result["reads"]:
        print(f"\n{read['case']} (same total: {read['same_total']}), p50 / p99 ms:")
        for name in ("batch_start", "batch_middle", "total", "vip"):
            rows, live = read[f"{name}_rows"], read[f"{name}_live"]
            print(f"  {name:14} rows {rows['p50_ms']:>9} / {rows['p99_ms']:<9} live {live['p50_ms']:>9} / "
                  f"{live['p99_ms']}")  # fmt: skip
    print(f"\ndelete a segment of {result['delete']['members']:,} members: {result['delete']['seconds']} s")
    rss = result["rss_mb"]
    print(f"peak RSS: {rss['before']} MB before the refreshes, {rss['peak']} MB after")


if __name__ == "__main__":
    main(sys.argv[1:])
