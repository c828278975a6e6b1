"""Drop the indexes that other indexes of the same tables already serve.

Every arriving mail (and chat message) writes a row to each index of the
conversation, message and activity tables. The store's own index is served
by the (store, ...) indexes of each table, and the conversation's by the
(conversation, created_at) index of messages and activities.

Only the indexes are dropped: Django's own way for `db_index=False` rebuilds
each table on SQLite (five copies of the largest tables) and drops and
re-checks the foreign keys on PostgreSQL, both far slower on a large desk.
"""

import django.db.models.deletion
from django.db import migrations, models

DROPPED = [  # (table, column)
    ("helpdesk_conversation", "store_id"),
    ("helpdesk_message", "store_id"),
    ("helpdesk_message", "conversation_id"),
    ("helpdesk_activity", "store_id"),
    ("helpdesk_activity", "conversation_id"),
]


def _name(schema_editor, table: str, column: str) -> str:
    return schema_editor._create_index_name(table, [column])  # the name Django gave the field's index


def drop(apps, schema_editor):
    quote = schema_editor.quote_name
    for table, column in DROPPED:
        schema_editor.execute(f"DROP INDEX IF EXISTS {quote(_name(schema_editor, table, column))}")


def create(apps, schema_editor):
    quote = schema_editor.quote_name
    for table, column in DROPPED:
        name = _name(schema_editor, table, column)
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {quote(name)} ON {quote(table)} ({quote(column)})")


FIELDS = [  # (model, field, what it points to, related_name): the fields whose index is dropped
    ("conversation", "store", "core.store", "+"),
    ("message", "store", "core.store", "+"),
    ("message", "conversation", "helpdesk.conversation", "messages"),
    ("activity", "store", "core.store", "+"),
    ("activity", "conversation", "helpdesk.conversation", "activities"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("helpdesk", "0014_conversation_updated_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(drop, create)],
            state_operations=[
                migrations.AlterField(
                    model_name=model,
                    name=name,
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name=related,
                        to=to,
                    ),
                )
                for model, name, to, related in FIELDS
            ],
        ),
    ]
