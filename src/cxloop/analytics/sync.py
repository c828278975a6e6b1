"""Keep the warehouse a copy of the store mirror: what changed since the last sync, what was erased.

    result = sync_warehouse()   # the worker runs it every SYNC_SECONDS (tasks.sync_warehouse_task)

Per table (sources.TABLES), a watermark in the warehouse's own `sync_state`
says how far it has copied: the last (updated_at, id) for tables whose rows
change, the last id for storefront events, which are only added. Rows are
read in chunks of CHUNK in that order and written with INSERT OR REPLACE on
the id, each chunk committed with its watermark in one DuckDB transaction, so a
sync killed half-way resumes from its last chunk and copies nothing twice
wrongly (a row copied again replaces itself).

A transaction of the store mirror that commits after a later one was copied
would leave its rows behind a watermark; every sync therefore reads again
the last OVERLAP of changes (by time for updated_at, by the ids seen that
long ago for events), which covers any write transaction shorter than that.

A table with a parent (a conversation's messages and tags, an order's line items, sources.TABLES)
keeps no watermark: with each chunk of parent rows, in the same transaction,
their child rows are replaced by what the source holds now, so a message moved
by a merge follows it and a removed tag goes.

Erasures (models.WarehouseErasure, written by the erasure itself) remove the
person's rows from every table: their customer row, their storefront
events (also those of their anonymous ids) and answers; their orders and help
desk conversations stay for the counts with no customer (and the orders' line
items, which name no one). Orders a platform deleted (models.WarehouseDeletion) go, with their
line items. Rows of stores that no longer exist go
too. The erasure and deletion rows are deleted only after the warehouse
committed.

Beside the copies the sync keeps the rollups (analytics.rollups: each
customer's first and second order, each session's funnel steps per day of
the store), changed in the same transaction as the rows that change them.
"""

import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pyarrow as pa
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from cxloop.core.models import Store

from . import rollups
from .models import WarehouseDeletion, WarehouseErasure, WarehouseLink
from .sources import TABLES, Table
from .warehouse import writing

OVERLAP = timedelta(seconds=10)
SYNC_SECONDS = 30


@dataclass
class SyncResult:
    copied: dict[str, int] = field(default_factory=dict)
    erased: int = 0
    linked: int = 0
    removed: int = 0
    seconds: float = 0.0


def sync_warehouse(*, now: datetime | None = None, chunk: int | None = None) -> SyncResult:
    chunk = chunk or settings.CXLOOP_WAREHOUSE_CHUNK
    started = time.perf_counter()
    now = now or timezone.now()
    result = SyncResult()
    zones = {pk: rollups.zone_of(name) for pk, name in Store.objects.values_list("pk", "timezone")}
    with writing() as con:
        rollups.prepare(con, zones)
        for table in TABLES.values():
            if not table.parent:
                _sync_table(con, table, now, chunk, result.copied, zones)
        result.linked = _apply_links(con)
        result.removed = _apply_deletions(con)
        result.erased = _apply_erasures(con, zones)
        _drop_gone_stores(con)
    result.seconds = time.perf_counter() - started
    return result


def _state(con, name: str):
    row = con.execute(
        "SELECT watermark_time, watermark_id, history FROM sync_state WHERE table_name = ?", [name]
    ).fetchone()
    if row is None:
        return None, None, []
    return row[0], row[1], json.loads(row[2] or "[]")


def _save_state(con, name, watermark_time, watermark_id, history, now, copied) -> None:
    con.execute(
        "INSERT OR REPLACE INTO sync_state VALUES (?, ?, ?, ?, ?, "
        "COALESCE((SELECT rows_copied FROM sync_state WHERE table_name = ?), 0) + ?)",
        [name, watermark_time, watermark_id, json.dumps(history), now, name, copied],
    )


def _sync_table(con, table: Table, now: datetime, chunk: int, counts: dict[str, int], zones: dict) -> None:
    """Copy the table's changed rows (and their children's rows); add what was copied to `counts`."""
    watermark_time, watermark_id, history = _state(con, table.name)
    children = [child for child in TABLES.values() if child.parent == table.name]
    counts.update(dict.fromkeys([table.name, *(child.name for child in children)], 0))
    rows = table.rows()
    if table.changed_by == "updated_at":
        if watermark_time is not None:
            rows = rows.filter(updated_at__gte=watermark_time - OVERLAP)
        order = ("updated_at", "id")
    else:
        # watermark_id is the safe start the last sync worked out (_settle): every id below it is copied.
        start = watermark_id or 0
        rows = rows.filter(id__gt=start)
        order = ("id",)
    rows = rows.order_by(*order)
    last = None
    paths = table.paths()
    while True:
        page = rows
        if last is not None:
            page = (
                rows.filter(Q(updated_at__gt=last[0]) | Q(updated_at=last[0], id__gt=last[1]))
                if table.changed_by == "updated_at"
                else rows.filter(id__gt=last[1])
            )
        batch = list(page.values_list(*paths)[:chunk])
        if not batch:
            break
        newest = batch[-1]
        last = (newest[paths.index("updated_at")] if table.changed_by == "updated_at" else None, newest[0])
        con.begin()
        _upsert(con, table, batch, zones)
        for child in children:
            counts[child.name] += _replace_children(con, child, [row[0] for row in batch])
        if table.changed_by == "updated_at":
            watermark_time, watermark_id = last
        # (for ids the start stays put until the sync ends: a killed sync copies its part again)
        _save_state(con, table.name, watermark_time, watermark_id, history, now, len(batch))
        con.commit()
        counts[table.name] += len(batch)
        if len(batch) < chunk:
            break
    if table.changed_by == "id":
        seen = max([start, last[1] if last else 0, *(m for _at, m in history)])
        watermark_id, history = _settle(start, history + [(now.isoformat(), seen)], now)
    _save_state(con, table.name, watermark_time, watermark_id, history, now, 0)


CHILD_BATCH = 5_000  # parent ids per query of their children (SQLite takes at most 32,766 parameters)


def _replace_children(con, child: Table, parent_ids: list[int]) -> int:
    """Make the child rows of these parents what the source holds now (in the caller's transaction)."""
    con.register("parents", pa.table({"id": pa.array(parent_ids, type=pa.int64())}))
    try:
        con.execute(f"DELETE FROM {child.name} WHERE {child.parent_key} IN (SELECT id FROM parents)")
    finally:
        con.unregister("parents")
    copied = 0
    for start in range(0, len(parent_ids), CHILD_BATCH):
        ids = parent_ids[start : start + CHILD_BATCH]
        batch = list(child.rows().filter(**{f"{child.parent_key}__in": ids}).values_list(*child.paths()))
        if batch:
            _upsert(con, child, batch)
            copied += len(batch)
    return copied


def _settle(start: int, history: list, now: datetime) -> tuple[int, list]:
    """The next sync's safe start, and the checkpoints still to settle.

    A checkpoint (at, m) says a sync at `at` had seen ids up to m. An id below m whose transaction was
    still open then committed by at + OVERLAP, and this sync (at `now`) read it if now >= at + OVERLAP:
    so m is a safe start for the next sync once now - at >= OVERLAP. Until then the start stays where it
    was (never back to 0), and the checkpoint waits.
    """
    settled = [m for at, m in history if datetime.fromisoformat(at) <= now - OVERLAP]
    waiting = [(at, m) for at, m in history if datetime.fromisoformat(at) > now - OVERLAP]
    return max([start, *settled]), waiting


def _upsert(con, table: Table, batch: list[tuple], zones: dict | None = None) -> None:
    """Write the rows, and what the rollups make of them (orders, events: their store's `zones`)."""
    columns = list(zip(*batch, strict=True))
    index = {path: n for n, path in enumerate(table.paths())}
    arrays = {}
    for name, _kind, path in table.columns:
        values = columns[index[path]]
        convert = (table.convert or {}).get(name)
        arrays[name] = list(map(convert, values)) if convert else list(values)
    con.register("incoming", pa.table(arrays))
    try:
        names = ", ".join(table.names)
        rollups.before_copy(con, table.name)
        con.execute(f"INSERT OR REPLACE INTO {table.name} ({names}) SELECT {names} FROM incoming")
        rollups.after_copy(con, table.name, zones)
    finally:
        con.unregister("incoming")


def _apply_links(con) -> int:
    """Give the copied events of visitors identified since the last sync to their customers (before the
    erasures: a customer erased since then loses those events with the rest)."""
    links = list(WarehouseLink.objects.order_by("pk")[:1000])
    if not links:
        return 0
    con.begin()
    for link in links:
        con.execute(
            "UPDATE events SET customer_id = ? "
            "WHERE store_id = ? AND anonymous_id = ? AND customer_id IS NULL",
            [link.customer_id, link.store_id, link.anonymous_id],
        )
    con.commit()
    WarehouseLink.objects.filter(pk__in=[link.pk for link in links]).delete()
    return len(links)


def _apply_deletions(con) -> int:
    """Rows the store mirror deleted (a platform's deleted order) leave the warehouse, and the rollups
    their customers' rows were made from."""
    deletions = list(WarehouseDeletion.objects.order_by("pk")[:1000])
    if not deletions:
        return 0
    con.begin()
    for deletion in deletions:
        if deletion.table != "orders":
            continue
        whose = "SELECT store_id, customer_id FROM orders WHERE store_id = ? AND id = ?"
        rollups.touch_customers(con, whose, [deletion.store_id, deletion.row_id])
        con.execute("DELETE FROM orders WHERE store_id = ? AND id = ?", [deletion.store_id, deletion.row_id])
        for child in (table for table in TABLES.values() if table.parent == "orders"):  # its line items
            con.execute(
                f"DELETE FROM {child.name} WHERE store_id = ? AND {child.parent_key} = ?",
                [deletion.store_id, deletion.row_id],
            )
    rollups.refresh_customers(con)
    con.commit()
    WarehouseDeletion.objects.filter(pk__in=[deletion.pk for deletion in deletions]).delete()
    return len(deletions)


def _apply_erasures(con, zones: dict) -> int:
    erasures = list(WarehouseErasure.objects.order_by("pk")[:1000])
    if not erasures:
        return 0
    con.begin()
    for erasure in erasures:
        store = erasure.store_id
        if erasure.customer_id is None:
            for table in TABLES.values():
                con.execute(f"DELETE FROM {table.name} WHERE store_id = ?", [store])
            rollups.forget_store(con, store)
            continue
        who = erasure.customer_id
        con.execute("DELETE FROM customers WHERE store_id = ? AND id = ?", [store, who])
        theirs = "store_id = ? AND (customer_id = ? OR list_contains(?, anonymous_id))"
        params = [store, who, list(erasure.anonymous_ids or [])]
        rollups.touch_sessions(con, f"SELECT * FROM events WHERE {theirs}", params)  # computed again below
        con.execute(f"DELETE FROM events WHERE {theirs}", params)
        con.execute("DELETE FROM responses WHERE store_id = ? AND customer_id = ?", [store, who])
        rollups.touch_customers(con, "SELECT ? AS store_id, ? AS customer_id", [store, who])
        for kept in ("orders", "conversations"):  # kept for the counts, with no customer
            con.execute(
                f"UPDATE {kept} SET customer_id = NULL WHERE store_id = ? AND customer_id = ?", [store, who]
            )
    rollups.refresh_customers(con)
    rollups.refresh_sessions(con, zones)
    con.commit()
    WarehouseErasure.objects.filter(pk__in=[erasure.pk for erasure in erasures]).delete()
    return len(erasures)


def _drop_gone_stores(con) -> None:
    stores = list(Store.objects.values_list("pk", flat=True))
    con.begin()
    for name in [*TABLES, *rollups.TABLES]:
        con.execute(f"DELETE FROM {name} WHERE NOT list_contains(?, store_id)", [stores])
    con.commit()


def sync_status() -> dict | None:
    """When each table was last synced (None before the first sync); read by the dashboard. On Spark,
    when the published set the reports read was synced (None before the first publish)."""
    from .warehouse import WarehouseBusy, WarehouseMissing, reading

    if settings.CXLOOP_ANALYTICS_ENGINE == "spark":
        from .publish import current_set

        manifest = current_set()
        if manifest is None:
            return None
        return {"synced_at": datetime.fromisoformat(manifest["synced_at"]), "tables": manifest["rows"]}
    try:
        with reading() as con:
            rows = con.execute("SELECT table_name, synced_at, rows_copied FROM sync_state").fetchall()
    except (WarehouseMissing, WarehouseBusy):
        return None
    if not rows:
        return None
    oldest = min(row[1] for row in rows)
    return {"synced_at": oldest, "tables": {name: copied for name, _at, copied in rows}}
