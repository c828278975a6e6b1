"""Search documents of conversations and their index (see helpdesk.search and services.indexing).

SQLite: an FTS5 table over helpdesk_searchdocument (external content), kept
in step by triggers on it. Its words are already folded and separated by
spaces in Python, so the `ascii` tokenizer only splits on the spaces; only
every word and the start of a word are searched, never a phrase, so FTS5
keeps no positions (detail=none); 2- and 3-letter prefix indexes serve the
search-as-you-type last word.

PostgreSQL: a tsvector generated from the same words without a parser
(array_to_tsvector, so no configuration or locale splits them again), with a
GIN index.

Existing conversations are indexed here.
"""

import django.db.models.deletion
from django.db import migrations, models

SQLITE = [
    "CREATE VIRTUAL TABLE helpdesk_search USING fts5(text, content='helpdesk_searchdocument', "
    "content_rowid='conversation_id', tokenize='ascii', detail='none', prefix='2 3')",
    "CREATE TRIGGER helpdesk_search_insert AFTER INSERT ON helpdesk_searchdocument BEGIN "
    "INSERT INTO helpdesk_search(rowid, text) VALUES (new.conversation_id, new.text); END",
    "CREATE TRIGGER helpdesk_search_delete AFTER DELETE ON helpdesk_searchdocument BEGIN "
    "INSERT INTO helpdesk_search(helpdesk_search, rowid, text) VALUES ('delete', old.conversation_id, old.text); "
    "END",
    "CREATE TRIGGER helpdesk_search_update AFTER UPDATE ON helpdesk_searchdocument BEGIN "
    "INSERT INTO helpdesk_search(helpdesk_search, rowid, text) VALUES ('delete', old.conversation_id, old.text); "
    "INSERT INTO helpdesk_search(rowid, text) VALUES (new.conversation_id, new.text); END",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS helpdesk_search_insert",
    "DROP TRIGGER IF EXISTS helpdesk_search_delete",
    "DROP TRIGGER IF EXISTS helpdesk_search_update",
    "DROP TABLE IF EXISTS helpdesk_search",
]
POSTGRESQL = [
    "ALTER TABLE helpdesk_searchdocument ADD COLUMN words tsvector "
    "GENERATED ALWAYS AS (array_to_tsvector(string_to_array(text, ' '))) STORED",
    "CREATE INDEX helpdesk_search_words ON helpdesk_searchdocument USING gin (words)",
]
POSTGRESQL_REVERSE = [
    "DROP INDEX IF EXISTS helpdesk_search_words",
    "ALTER TABLE helpdesk_searchdocument DROP COLUMN IF EXISTS words",
]


def _run(statements: dict):
    def run(apps, schema_editor):
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


def index_existing(apps, schema_editor):
    from cxloop.helpdesk.services.indexing import BATCH, write_documents

    Conversation = apps.get_model("helpdesk", "Conversation")
    Message = apps.get_model("helpdesk", "Message")
    SearchDocument = apps.get_model("helpdesk", "SearchDocument")
    ids = list(Conversation.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        write_documents(Conversation, Message, SearchDocument, ids[start : start + BATCH])


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0011_auditlog_platform_connection'),
        ('helpdesk', '0010_sla'),
    ]

    operations = [
        migrations.CreateModel(
            name='SearchDocument',
            fields=[
                ('conversation', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to='helpdesk.conversation')),
                ('text', models.TextField(blank=True)),
                ('updated_at', models.DateTimeField()),
                ('store', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='core.store')),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRESQL_REVERSE}),
        ),
        migrations.RunPython(index_existing, migrations.RunPython.noop),
    ]
