"""The publish part of `cxloop bench analytics`, in a child process with the warehouse's settings.

On the warehouse the tiles part seeded: `analytics.publish.publish_warehouse`
(every table and rollup written as Parquet into a new set, CURRENT moved to it)
--repeat times, against DuckDB's own `EXPORT DATABASE ... (FORMAT parquet)` of
the same file (the baseline: the least a Parquet copy of it costs), alternating;
the bytes written; then `build_dashboard(store, days=30)` as the page runs it,
on Spark in local mode over the published set (the first call registers the set
and compiles every metric) against the same on DuckDB, with the answers
compared.
"""

import json
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

from bench._timing import percentiles


def run(config: dict) -> dict:
    import django

    django.setup()
    from django.conf import settings

    from cxloop.analytics.publish import publish_warehouse, tables_root
    from cxloop.analytics.reports import build_dashboard
    from cxloop.analytics.sources import TABLES
    from cxloop.analytics.warehouse import reading, warehouse_path, writing
    from cxloop.core.models import Store

    if not warehouse_path().exists():
        raise SystemExit("publish: no warehouse; run the tiles part first (--parts tiles,publish)")
    with writing() as con:  # a seeded warehouse has no sync state: as if one sync had just copied it
        now = datetime.now(UTC)
        for name in TABLES:
            con.execute(
                "INSERT INTO sync_state (table_name, synced_at, rows_copied) VALUES (?, ?, 0) "
                "ON CONFLICT DO NOTHING",
                [name, now],
            )
    exported = Path(config["out"]).parent / "exported"
    publish_s, export_s, sizes = [], [], []
    for _ in range(config["repeat"]):
        began = time.perf_counter()
        manifest = publish_warehouse()
        publish_s.append(time.perf_counter() - began)
        folder = tables_root() / manifest["set"]
        sizes.append(sum(path.stat().st_size for path in folder.iterdir()))
        shutil.rmtree(exported, ignore_errors=True)
        began = time.perf_counter()
        with reading() as con:
            con.execute(f"EXPORT DATABASE '{exported}' (FORMAT parquet)")
        export_s.append(time.perf_counter() - began)
    shutil.rmtree(exported, ignore_errors=True)
    print(f"publish: {len(publish_s)} sets of {sizes[-1] / 1e9:.2f} GB", flush=True)

    store = Store(pk=1, name="bench", slug="bench", currency="EUR", timezone="Europe/Warsaw")
    answers, dashboard = {}, {}
    for engine in ("spark", "warehouse"):
        settings.CXLOOP_ANALYTICS_ENGINE = engine
        began = time.perf_counter()
        first = build_dashboard(store, days=30)
        first_s = time.perf_counter() - began
        runs = []
        for _ in range(config["dashboard_repeat"]):
            began = time.perf_counter()
            build_dashboard(store, days=30)
            runs.append(time.perf_counter() - began)
        answers[engine] = (first.net, first.orders, first.new_customers, first.conversion)
        dashboard[engine] = {"first_s": first_s, **percentiles([r * 1000 for r in runs])}
        print(f"publish: build_dashboard on {engine}: first {first_s:.1f} s", flush=True)
    result = {
        "publish": percentiles([s * 1000 for s in publish_s]),
        "export": percentiles([s * 1000 for s in export_s]),
        "bytes": sizes[-1],
        "tables": manifest["rows"],
        "dashboard": dashboard,
        "same_answers": answers["spark"] == answers["warehouse"],
        "spark_master": settings.CXLOOP_SPARK_MASTER,
    }
    if not result["same_answers"]:
        print(json.dumps({k: [str(v) for v in vs] for k, vs in answers.items()}))
        raise SystemExit("publish: Spark and DuckDB gave different answers")
    Path(config["out"]).write_text(json.dumps(result, indent=2, default=str))
    return result


def print_results(result: dict) -> None:
    pub, exp = result["publish"], result["export"]
    print(f"\nPublish for Spark: {result['bytes'] / 1e9:.2f} GB of Parquet, "
          f"{sum(result['tables'].values()):,} rows in {len(result['tables'])} tables")  # fmt: skip
    print(f"  publish_warehouse  p50 {pub['p50_ms'] / 1000:6.1f} s  max {pub['max_ms'] / 1000:6.1f} s")
    print(f"  EXPORT DATABASE    p50 {exp['p50_ms'] / 1000:6.1f} s  max {exp['max_ms'] / 1000:6.1f} s  "
          f"ratio {pub['p50_ms'] / exp['p50_ms']:.2f}x (baseline: DuckDB's own Parquet export)")  # fmt: skip
    for engine, row in result["dashboard"].items():
        print(f"  build_dashboard(30 days) on {engine:<9}: first {row['first_s']:6.1f} s, "
              f"then p50 {row['p50_ms'] / 1000:6.2f} s  max {row['max_ms'] / 1000:6.2f} s")  # fmt: skip
    print(f"  Spark master {result['spark_master']}; the same figures on both: {result['same_answers']}")
