"""Hot-path reads and writes of whole model rows as SQL written once per process.

    customer = prepared.first(Customer, {"store": store.pk, "email_key": key}, order_by=("id",))
    prepared.insert(Activity(store=store, conversation=conversation, kind="created", created_at=now))
    prepared.update(Conversation, conversation.pk, {"last_message_at": now, "updated_at": now})

Building a query through the ORM compiles it on every call, and for the few
statements run for every arriving mail that compiling cost more than the
database took to answer. These do what `QuerySet.filter(...).first()`,
`Model.objects.create(...)` and `QuerySet.filter(pk=...).update(...)` do
for the simple cases they take (equality on concrete fields; an insert of
every concrete field; an update by primary key), with the SQL made
once per model, field list and database vendor (`functools.cache`) and the
values passed through the fields' own conversions, so what is written and
read back is what the ORM would write and read:

- `first` returns a model instance built by `Model.from_db` from every
  concrete column, each value through the database's and the field's
  converters (SQLite's datetimes and booleans, JSON ...);
- `insert` calls each field's `pre_save` (auto_now_add, defaults already set
  by the model's constructor) and `get_db_prep_save`, and sets the primary
  key from the database (RETURNING). Model save signals are not sent: use it
  only for models nothing listens to (none in cxloop does).
"""

import collections
import functools
from collections.abc import Iterable

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.models import Model

from cxloop.core import batch_cache

# Fields of exactly these classes hand a value of this exact type to the database unchanged
# (`get_db_prep_save` would return it as it is); any other value goes through the field.
PLAIN = {
    models.CharField: str, models.TextField: str, models.EmailField: str, models.SlugField: str,
    models.IntegerField: int, models.BigIntegerField: int, models.SmallIntegerField: int,
    models.PositiveIntegerField: int, models.PositiveSmallIntegerField: int,
    models.PositiveBigIntegerField: int,
    models.AutoField: int, models.BigAutoField: int, models.BooleanField: bool,
}  # fmt: skip


def first(model: type[Model], where: dict, *, order_by: Iterable[str] = ("pk",)):
    """The first row of `model` whose fields equal `where`'s values (by `order_by`; "-name" for
    descending), as a model instance; None when there is none."""
    db = _db()
    sql, fields = _select_sql(db.vendor, model, tuple(where), tuple(order_by), None)
    meta = model._meta
    params = [_field(meta, name).get_db_prep_value(value, db) for name, value in where.items()]
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    values = [from_db(field, value, db) for field, value in zip(fields, row, strict=True)]
    return model.from_db(db.alias, [field.attname for field in fields], values)


def all_in(model: type[Model], where: dict, field: str, values: list, *, order_by: Iterable[str] = ("pk",)):
    """Every row of `model` whose fields equal `where`'s values and whose `field` is one of
    `values` (by `order_by`), as model instances: `first`'s query for a batch's many keys at once
    (the SQL is made once per number of values)."""
    values = in_list(values)
    if not values:
        return []
    db = _db()
    sql, fields = _select_sql(db.vendor, model, tuple(where), tuple(order_by), (field, len(values)))
    meta = model._meta
    params = [_field(meta, name).get_db_prep_value(value, db) for name, value in where.items()]
    prep = _field(meta, field).get_db_prep_value
    params.extend(prep(value, db) for value in values)
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    names = [each.attname for each in fields]
    return [model.from_db(db.alias, names, _row(fields, row, db)) for row in rows]


def in_list(values) -> list:
    """`values` without repeats, padded with its last value to a power of two: the values of an
    `IN (...)` whose SQL is made once per length, so at most a few lengths are ever made (a batch's
    lookups may ask for thousands of keys; a repeated value in an IN changes nothing)."""
    values = list(dict.fromkeys(values))
    if values:
        values.extend([values[-1]] * ((1 << (len(values) - 1).bit_length()) - len(values)))
    return values


def _row(fields: tuple, row: tuple, db) -> list:
    return [from_db(field, value, db) for field, value in zip(fields, row, strict=True)]


def insert(obj: Model) -> Model:
    """INSERT `obj` (a new instance) with every concrete field; set its primary key when the database
    makes it (an auto field, by RETURNING); return it."""
    model = type(obj)
    db = _db()
    if obj.pk is not None and model._meta.auto_field is not None:
        insert_all([obj])  # its id reserved (`new_id`): written with the rest of an all_items block
        return obj
    sql, fields = _insert_sql(db.vendor, model)
    with db.cursor() as cursor:
        cursor.execute(sql, _values(obj, fields, _plain_types(db.vendor, model), db))
        if model._meta.auto_field is not None:
            obj.pk = cursor.fetchone()[0]
    _saved(obj, db)
    return obj


def update(model: type[Model], pk, values: dict, *, defer: bool = False) -> int | None:
    """UPDATE the row of `model` with this primary key, setting `values` ({field name: value}, a
    related object or its id for a foreign key); the number of rows changed (0 or 1), as
    `QuerySet.filter(pk=pk).update(**values)` does (no signals, no auto_now).

    With `defer`, inside a `batch_cache.all_items()` block, the statement is kept and sent with the
    block's other rows (`batch_cache.defer_write`): None then, as nobody is told how many rows changed.
    """
    names = tuple(values)
    db = _db()
    sql, fields = _update_sql(db.vendor, model, names)
    params = []
    for field, name in zip(fields, names, strict=True):
        value = values[name]
        if field.is_relation and isinstance(value, Model):
            value = value.pk
        params.append(None if value is None else field.get_db_prep_save(value, db))
    params.append(model._meta.pk.get_db_prep_value(pk, db))
    if defer and batch_cache.defer_write(sql, params, row=(model._meta.db_table, pk)):
        return None
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def reserve_ids(models_: Iterable[type[Model]], count: int) -> None:
    """Take `count` ids of each model's sequence, kept for the open batch (core.batch_cache) for
    `new_id` to hand out; outside a batch (or, on SQLite, outside a transaction) nothing.

    PostgreSQL takes them from the sequences in one statement; SQLite moves each table's
    AUTOINCREMENT counter (`sqlite_sequence`) past them, inside the transaction, which holds the
    database's one write lock (BEGIN IMMEDIATE) until it ends: nobody else can take them, and a
    rollback gives them back. Rows whose ids are known before they are written can be written
    together (`insert_all`): one round trip for several inserts on PostgreSQL, one executemany a
    statement on SQLite. Ids a batch reserves and does not use are skipped, as a rolled-back
    insert's are. Reserving again in the same batch adds to what is left.
    """
    models_ = list(models_)
    if count <= 0 or not models_ or not batch_cache.active():
        return
    if connection.vendor == "postgresql":
        columns = ", ".join(["nextval(pg_get_serial_sequence(%s, %s))"] * len(models_))
        params = [name for model in models_ for name in (model._meta.db_table, model._meta.pk.column)]
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {columns} FROM generate_series(1, %s)", [*params, count])
            rows = cursor.fetchall()
        taken = {model: [row[index] for row in rows] for index, model in enumerate(models_)}
    elif connection.vendor == "sqlite" and connection.in_atomic_block:
        taken = {model: _sqlite_ids(model, count) for model in models_}
    else:
        return
    for model, ids in taken.items():
        reserved = batch_cache.get(("prepared.ids", model))
        if reserved is None:
            batch_cache.put(("prepared.ids", model), reserved := collections.deque())
        reserved.extend(ids)  # a second reservation in one batch adds to the first


def _sqlite_ids(model: type[Model], count: int) -> range:
    """The next `count` ids of an AUTOINCREMENT table, its counter moved past them (see reserve_ids)."""
    table, column = model._meta.db_table, model._meta.pk.column
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0),"
            f" COALESCE((SELECT MAX({quote(column)}) FROM {quote(table)}), 0))",
            [table],
        )
        last = cursor.fetchone()[0]
        cursor.execute("UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [last + count, table])
        if cursor.rowcount == 0:  # no row was ever inserted: the table has no counter yet
            cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, last + count])
    return range(last + 1, last + count + 1)


def new_id(model: type[Model]) -> int | None:
    """A reserved id of `model` (`reserve_ids`), or None when none is left (the database then makes it)."""
    reserved = batch_cache.get(("prepared.ids", model))
    return reserved.popleft() if reserved else None


def insert_all(objs: list[Model]) -> None:
    """`insert` each of `objs` in order. When none of them waits for an id from the database (each
    has its primary key already, or nobody needs it back), inside a `batch_cache.all_items()` block
    they are kept and sent with the block's other rows (`batch_cache.defer_write`); elsewhere
    PostgreSQL sends them as one statement list (one round trip)."""
    db = _db()
    if any(
        obj.pk is None and type(obj)._meta.auto_field is not None and not _id_unneeded(obj) for obj in objs
    ):
        for obj in objs:
            _take_related_ids(obj)  # a row made before the one it points to had its id
            insert(obj)
        return
    statements = []
    for obj in objs:
        _take_related_ids(obj)
        model = type(obj)
        with_pk = obj.pk is not None and model._meta.auto_field is not None
        mode = "with_pk" if with_pk else "silent"
        sql, fields = _insert_sql(db.vendor, model, mode)
        params = _values(obj, fields, _plain_types(db.vendor, model, mode), db)
        row = (model._meta.db_table, obj.pk) if obj.pk is not None else None
        if not batch_cache.defer_write(sql, params, row=row):
            statements.append((sql, params))
    if statements:  # distinct rows of their own tables: nothing to reorder
        batch_cache.write_all(statements)
    for obj in objs:
        _saved(obj, db)


def _take_related_ids(obj: Model) -> None:
    for field in type(obj)._meta.concrete_fields:
        if field.is_relation and getattr(obj, field.attname) is None and field.is_cached(obj):
            related = field.get_cached_value(obj)
            if related is not None and related.pk is not None:
                setattr(obj, field.attname, related.pk)


def _id_unneeded(obj: Model) -> bool:
    return getattr(obj, "_prepared_id_unneeded", False)


def id_unneeded(obj: Model) -> Model:
    """Mark `obj` as one whose database-made id nobody reads back (for `insert_all`)."""
    obj._prepared_id_unneeded = True
    return obj


def _db():
    """The default database's connection of this thread, looked up once: each use of the
    `connection` proxy looks it up again (asgiref's thread-local), a cost felt per column here."""
    return connections[DEFAULT_DB_ALIAS]


def _values(obj: Model, fields: tuple, plain_types: tuple, db) -> list:
    values = []
    for field, plain in zip(fields, plain_types, strict=True):
        value = field.pre_save(obj, True)
        values.append(value if value is None or type(value) is plain else field.get_db_prep_save(value, db))
    return values


def _saved(obj: Model, db) -> None:
    obj._state.adding = False
    obj._state.db = db.alias


def from_db(field, value, db=None):
    """A column's value as the ORM would give it (SQLite's datetimes, JSON, booleans ...)."""
    if value is None:
        return None
    db = db or _db()
    col, converters = _converters(db.vendor, field)
    for converter in converters:
        value = converter(value, col, db)
    return value


@functools.cache
def _converters(vendor: str, field) -> tuple:
    col = field.get_col(field.model._meta.db_table)
    return col, tuple(connection.ops.get_db_converters(col) + field.get_db_converters(connection))


def _field(meta, name: str):
    return meta.pk if name == "pk" else meta.get_field(name)


@functools.cache
def _select_sql(
    vendor: str, model: type[Model], where: tuple, order_by: tuple, among: tuple | None
) -> tuple[str, tuple]:
    """The SELECT of every concrete field, equal to `where`'s fields and, with `among` (a field and
    a count), that field IN so many values; without it, the first row only (LIMIT 1)."""
    quote = connection.ops.quote_name
    meta = model._meta
    fields = tuple(meta.concrete_fields)
    tests = [f"{quote(_field(meta, name).column)} = %s" for name in where]
    if among is not None:
        name, count = among
        tests.append(f"{quote(_field(meta, name).column)} IN ({', '.join(['%s'] * count)})")
    conditions = " AND ".join(tests)
    order = ", ".join(
        f"{quote(_field(meta, name.lstrip('-')).column)}{' DESC' if name.startswith('-') else ''}"
        for name in order_by
    )
    sql = (
        f"SELECT {', '.join(quote(field.column) for field in fields)} FROM {quote(meta.db_table)}"
        f" WHERE {conditions}" + (f" ORDER BY {order}" if order else "")
    )
    if among is None:
        sql += " LIMIT 1"
    return sql, fields


@functools.cache
def _update_sql(vendor: str, model: type[Model], names: tuple) -> tuple[str, tuple]:
    quote = connection.ops.quote_name
    meta = model._meta
    fields = tuple(_field(meta, name) for name in names)
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    return f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s", fields


@functools.cache
def _insert_sql(vendor: str, model: type[Model], mode: str = "returning") -> tuple[str, tuple]:
    """The INSERT of every concrete field: "returning" the database's id; "with_pk": the id given,
    nothing returned; "silent": the database's id, not returned (`insert_all`'s lists)."""
    quote = connection.ops.quote_name
    meta = model._meta
    fields = tuple(
        field
        for field in meta.concrete_fields
        if (mode == "with_pk" or field is not meta.auto_field) and not getattr(field, "generated", False)
    )
    returning = (
        f" RETURNING {quote(meta.pk.column)}" if meta.auto_field is not None and mode == "returning" else ""
    )
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(field.column) for field in fields)})"
        f" VALUES ({', '.join(['%s'] * len(fields))}){returning}"
    )
    return sql, fields


@functools.cache
def _plain_types(vendor: str, model: type[Model], mode: str = "returning") -> tuple:
    """For each field `insert` writes, the type of value it passes unchanged (None: none is)."""
    _sql, fields = _insert_sql(vendor, model, mode)
    return tuple(PLAIN.get(type(field.target_field if field.is_relation else field)) for field in fields)
