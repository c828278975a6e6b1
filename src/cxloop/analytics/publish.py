"""The warehouse's tables published as Parquet, for reports computed on Spark (CXLOOP_ANALYTICS_ENGINE=spark).

    publish_warehouse()            # the worker, every CXLOOP_SPARK_PUBLISH_SECONDS
    backend = spark_backend()      # a report: Ibis on Spark, the published tables as its views

A big install points the reports at a Spark cluster; the same metric
definitions (analytics.metrics) run there as on DuckDB. The sync keeps the
DuckDB warehouse as it always does; publishing writes each of its tables (the
rollups too) as one Parquet file into a new folder of CXLOOP_SPARK_TABLES
(a path every Spark executor can read: a shared disk, or an object store
mounted as one), then points the folder's CURRENT file at it with one rename,
so a report reads the whole of one published set or the whole of the one
before, never a mix. The set before the current one is kept for reports that
were still reading it; older ones are removed.

Each publish writes the whole tables again (DuckDB writes Parquet on every core);
docs/analytics.md says what that costs at a million customers.
"""

import json
import os
import shutil
import threading
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings

from . import metrics
from .warehouse import WarehouseMissing, reading

CURRENT = "CURRENT"
KEEP = 2  # the current set and the one before it


def tables_root() -> Path:
    return Path(settings.CXLOOP_SPARK_TABLES)


def publish_warehouse(*, now: datetime | None = None) -> dict:
    """Write every warehouse table as Parquet into a new set and make it the current one; what was written.

    Raises WarehouseMissing before the first sync, WarehouseBusy while a sync holds the file."""
    root = tables_root()
    root.mkdir(parents=True, exist_ok=True)
    now = now or datetime.now(UTC)
    name = now.strftime("%Y%m%dT%H%M%S%fZ")
    folder = root / name
    folder.mkdir()
    rows = {}
    try:
        with reading() as con:
            synced = con.execute("SELECT min(synced_at) FROM sync_state").fetchone()[0]
            if synced is None:
                raise WarehouseMissing("no sync has finished yet")
            have = {
                row[0] for row in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
            }
            for table in metrics.WAREHOUSE_TABLES + metrics.ROLLUP_TABLES:
                if table not in have:
                    continue
                # Table names are the constants of analytics.metrics; the path is ours, quoted for DuckDB.
                target = str(folder / f"{table}.parquet").replace("'", "''")
                con.execute(f"COPY {table} TO '{target}' (FORMAT parquet)")
                rows[table] = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        manifest = {"set": name, "synced_at": synced.astimezone(UTC).isoformat(), "rows": rows}
        (folder / "manifest.json").write_text(json.dumps(manifest))
    except BaseException:  # a set is whole or gone: CURRENT still names the one before
        shutil.rmtree(folder, ignore_errors=True)
        raise
    pointer = root / f".{CURRENT}.{os.getpid()}"
    pointer.write_text(name)
    os.replace(pointer, root / CURRENT)  # one rename: readers see the old set or the new one
    _remove_old_sets(root, name)
    return manifest


def current_set() -> dict | None:
    """The manifest of the published set reports read now, or None before the first publish."""
    root = tables_root()
    try:
        name = (root / CURRENT).read_text().strip()
        return json.loads((root / name / "manifest.json").read_text())
    except (FileNotFoundError, NotADirectoryError):
        return None


def _remove_old_sets(root: Path, current: str) -> None:
    sets = sorted(path for path in root.iterdir() if path.is_dir() and path.name[:1].isdigit())
    for path in sets:
        if path.name < current and path not in sets[-KEEP:]:
            shutil.rmtree(path, ignore_errors=True)


_lock = threading.Lock()
_registered: str | None = None  # the set the session's views show


def spark_session():
    """This process's Spark session (CXLOOP_SPARK_MASTER), in UTC as every engine computes."""
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master(settings.CXLOOP_SPARK_MASTER).appName("cxloop-reports")
        .config("spark.sql.session.timeZone", "UTC").config("spark.ui.enabled", "false")
        .getOrCreate()
    )  # fmt: skip


def spark_backend():
    """Ibis on Spark with the current published set as its tables' views (re-read when a newer set is
    published). Raises WarehouseMissing before the first publish."""
    import ibis

    global _registered
    manifest = current_set()
    if manifest is None:
        raise WarehouseMissing(str(tables_root()))
    session = spark_session()
    with _lock:
        if _registered != manifest["set"]:
            folder = tables_root() / manifest["set"]
            for table in manifest["rows"]:
                session.read.parquet(str(folder / f"{table}.parquet")).createOrReplaceTempView(table)
            _registered = manifest["set"]
    return ibis.pyspark.connect(session)


def forget_views() -> None:
    """Register the views again at the next report (tests, after a new Spark session)."""
    global _registered
    _registered = None
