"""The table of the shared database cache (settings.CACHES, rate-limit counters).

Created here rather than by a separate `createcachetable` step, so `cxloop
migrate`, `make demo` and the test database all have it. It is created even
while CACHES points at Redis, so switching back needs no extra command.
"""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

TABLE = "cxloop_cache"


def create_cache_table(apps, schema_editor):
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, TABLE, dry_run=False)


def drop_cache_table(apps, schema_editor):
    if TABLE in schema_editor.connection.introspection.table_names():
        schema_editor.execute(f"DROP TABLE {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_api_key_kind"),
    ]

    operations = [
        migrations.RunPython(create_cache_table, drop_cache_table),
    ]
