"""The SQLite side of the articles' search index: its triggers, restored after a table rebuild.

On SQLite, Django adds a NOT NULL column (or alters one) by building the
table anew and copying the rows over, which drops the table's triggers: the
FTS5 index would silently stop following new and changed texts. Every
migration that changes `helpcenter_articletext` therefore ends with
`RunPython(restore_index)`, and the app checks after each `migrate`
(apps.py), so a forgotten one is repaired: missing triggers are created
again and the index rebuilt from the table. PostgreSQL's index is a
generated column with a GIN index and needs nothing.
"""

TRIGGERS = {
    "helpcenter_search_insert": (
        "CREATE TRIGGER IF NOT EXISTS helpcenter_search_insert AFTER INSERT ON helpcenter_articletext BEGIN "
        "INSERT INTO helpcenter_search(rowid, words) VALUES (new.id, new.words); END"
    ),
    "helpcenter_search_delete": (
        "CREATE TRIGGER IF NOT EXISTS helpcenter_search_delete AFTER DELETE ON helpcenter_articletext BEGIN "
        "INSERT INTO helpcenter_search(helpcenter_search, rowid, words) "
        "VALUES ('delete', old.id, old.words); END"
    ),
    "helpcenter_search_update": (
        "CREATE TRIGGER IF NOT EXISTS helpcenter_search_update AFTER UPDATE ON helpcenter_articletext BEGIN "
        "INSERT INTO helpcenter_search(helpcenter_search, rowid, words) "
        "VALUES ('delete', old.id, old.words); "
        "INSERT INTO helpcenter_search(rowid, words) VALUES (new.id, new.words); END"
    ),
}


def missing_triggers(connection) -> list[str]:
    if connection.vendor != "sqlite":
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'helpcenter_search'")
        if cursor.fetchone() is None:
            return []  # before the search migration
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'helpcenter_search_%'"
        )
        present = {row[0] for row in cursor.fetchall()}
    return [name for name in TRIGGERS if name not in present]


def restore(connection) -> bool:
    """Create the missing triggers and rebuild the index from the table; True if anything was missing."""
    missing = missing_triggers(connection)
    if not missing:
        return False
    with connection.cursor() as cursor:
        for name in missing:
            cursor.execute(TRIGGERS[name])
        cursor.execute("INSERT INTO helpcenter_search(helpcenter_search) VALUES ('rebuild')")
    return True


def restore_index(apps, schema_editor) -> None:
    """For a migration's RunPython, after it changed helpcenter_articletext."""
    restore(schema_editor.connection)
