"""The query planner's statistics, kept current on SQLite.

SQLite plans from `sqlite_stat1`, which only ANALYZE writes; without it (or with it stale) the
planner guesses, and a guess can turn a 0.6 s count into a 2.5 s one: a partial index of
`(store, ...)` looks selective for `store_id = ?` when it holds every customer of a one-store site
(measured with the segment counts at a million customers). So ANALYZE runs after every `migrate`
(an index added has no statistics yet) and once a day (`refresh_statistics_task`), about 2 s for a
million customers. PostgreSQL's autovacuum analyses tables as they change: nothing to do there.
"""

from django.db import connection as default_connection


def refresh_statistics(connection=None) -> bool:
    """ANALYZE the SQLite database; True if it ran (False on PostgreSQL, whose autovacuum does it)."""
    connection = connection or default_connection
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return True


def after_migrate(sender, using="default", **kwargs) -> None:
    """post_migrate (sent once per app; connected for the core app only): the new schema analysed."""
    from django.db import connections

    refresh_statistics(connections[using])
