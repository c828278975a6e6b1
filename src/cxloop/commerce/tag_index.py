"""The customers' tags as rows (CustomerTag), kept by the database from `Customer.tags`.

A segment's `customer_tags CONTAINS 'vip'` read every customer's JSON list (0.7-0.9 s at a million
customers); one row per customer and lower-cased tag, indexed `(store, tag, customer)`, answers it
from an index. The rows are written by triggers on `commerce_customer`, so every writer keeps them
(the ORM, bulk writes, importers, the demo's COPY) without knowing of them:

- insert: a row per tag (`lower()` of each list element, cut to 200 characters; the same folding the
  JSON comparison used: SQLite's lower() folds ASCII letters only);
- update of `tags` or `store_id`, when they change: the customer's rows made again;
- delete: the customer's rows go.

A `tags` value that is not a list holds no tags. On SQLite, a migration that rebuilds the customer
table (a new column) drops its triggers: after every `migrate` the app checks (on both databases),
and creates missing triggers again and remakes every row (apps.py), as the help centre's search
index does. The delete trigger is what removes a deleted customer's rows (the model's foreign key
does nothing in Python), so the ORM does not look them up first.
"""

MAX_TAG = 200

SQLITE_ROWS = (
    "INSERT OR IGNORE INTO commerce_customertag (store_id, customer_id, tag) "
    "SELECT {row}.store_id, {row}.id, substr(lower(value), 1, 200) FROM json_each(CASE "
    "WHEN json_valid({row}.tags) AND json_type({row}.tags) = 'array' THEN {row}.tags ELSE '[]' END)"
)
SQLITE_TRIGGERS = {
    "commerce_customer_tags_insert": (
        "CREATE TRIGGER IF NOT EXISTS commerce_customer_tags_insert AFTER INSERT ON commerce_customer "
        "BEGIN " + SQLITE_ROWS.format(row="new") + "; END"
    ),
    "commerce_customer_tags_update": (
        "CREATE TRIGGER IF NOT EXISTS commerce_customer_tags_update AFTER UPDATE OF tags, store_id "
        "ON commerce_customer WHEN new.tags IS NOT old.tags OR new.store_id IS NOT old.store_id BEGIN "
        "DELETE FROM commerce_customertag WHERE customer_id = old.id; "
        + SQLITE_ROWS.format(row="new")
        + "; END"
    ),
    "commerce_customer_tags_delete": (
        "CREATE TRIGGER IF NOT EXISTS commerce_customer_tags_delete AFTER DELETE ON commerce_customer "
        "BEGIN DELETE FROM commerce_customertag WHERE customer_id = old.id; END"
    ),
}
SQLITE_REBUILD = [
    "DELETE FROM commerce_customertag",
    SQLITE_ROWS.format(row="commerce_customer").replace(
        "FROM json_each(", "FROM commerce_customer, json_each(", 1
    ),
]

POSTGRES_INSTALL = [
    """
    CREATE OR REPLACE FUNCTION commerce_customer_tags_sync() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP <> 'INSERT' THEN
        DELETE FROM commerce_customertag WHERE customer_id = OLD.id;
      END IF;
      IF TG_OP <> 'DELETE' THEN
        INSERT INTO commerce_customertag (store_id, customer_id, tag)
        SELECT NEW.store_id, NEW.id, left(lower(v), 200)
        FROM jsonb_array_elements_text(
          CASE WHEN jsonb_typeof(NEW.tags) = 'array' THEN NEW.tags ELSE '[]'::jsonb END) AS v
        ON CONFLICT DO NOTHING;
      END IF;
      RETURN NULL;
    END $$
    """,
    "DROP TRIGGER IF EXISTS commerce_customer_tags_insert ON commerce_customer",
    "CREATE TRIGGER commerce_customer_tags_insert AFTER INSERT ON commerce_customer "
    "FOR EACH ROW EXECUTE FUNCTION commerce_customer_tags_sync()",
    "DROP TRIGGER IF EXISTS commerce_customer_tags_update ON commerce_customer",
    "CREATE TRIGGER commerce_customer_tags_update AFTER UPDATE OF tags, store_id ON commerce_customer "
    "FOR EACH ROW WHEN (OLD.tags IS DISTINCT FROM NEW.tags OR OLD.store_id IS DISTINCT FROM NEW.store_id) "
    "EXECUTE FUNCTION commerce_customer_tags_sync()",
    "DROP TRIGGER IF EXISTS commerce_customer_tags_delete ON commerce_customer",
    "CREATE TRIGGER commerce_customer_tags_delete AFTER DELETE ON commerce_customer "
    "FOR EACH ROW EXECUTE FUNCTION commerce_customer_tags_sync()",
]
POSTGRES_REBUILD = [
    "DELETE FROM commerce_customertag",
    "INSERT INTO commerce_customertag (store_id, customer_id, tag) "
    "SELECT c.store_id, c.id, left(lower(v), 200) FROM commerce_customer c, jsonb_array_elements_text("
    "CASE WHEN jsonb_typeof(c.tags) = 'array' THEN c.tags ELSE '[]'::jsonb END) AS v ON CONFLICT DO NOTHING",
]
POSTGRES_REMOVE = [
    "DROP TRIGGER IF EXISTS commerce_customer_tags_insert ON commerce_customer",
    "DROP TRIGGER IF EXISTS commerce_customer_tags_update ON commerce_customer",
    "DROP TRIGGER IF EXISTS commerce_customer_tags_delete ON commerce_customer",
    "DROP FUNCTION IF EXISTS commerce_customer_tags_sync()",
]


def missing_triggers(connection) -> list[str]:
    """The triggers that are not there (on SQLite a table rebuild drops them; PostgreSQL keeps them
    through ALTER TABLE, but a restored dump or a hand's DROP may not)."""
    with connection.cursor() as cursor:
        if "commerce_customertag" not in connection.introspection.table_names(cursor):
            return []  # before the migration that made the table
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE 'commerce_customer_tags_%'"
            )
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'commerce_customer'::regclass "
                "AND tgname LIKE 'commerce_customer_tags_%'"
            )
        present = {row[0] for row in cursor.fetchall()}
    return [name for name in SQLITE_TRIGGERS if name not in present]


def install(connection) -> None:
    """Create the triggers and make every customer's rows (the migration; a repair)."""
    statements = (
        [*SQLITE_TRIGGERS.values(), *SQLITE_REBUILD]
        if connection.vendor == "sqlite"
        else [*POSTGRES_INSTALL, *POSTGRES_REBUILD]
    )
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def restore(connection) -> bool:
    """After a migrate: create the triggers that are missing, and remake the rows; True if it did."""
    if not missing_triggers(connection):
        return False
    install(connection)
    return True


def install_in_migration(apps, schema_editor) -> None:
    install(schema_editor.connection)


def remove_in_migration(apps, schema_editor) -> None:
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "sqlite":
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        else:
            for statement in POSTGRES_REMOVE:
                cursor.execute(statement)
