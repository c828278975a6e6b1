from django.db import migrations, models

# One ALTER TABLE with a constant default on both databases: only the schema changes (PostgreSQL
# 11+ keeps the default in the catalogue; SQLite reads it for the rows written before). Django's own
# AddField would copy the whole events table on SQLite to add a NOT NULL column.
ADD = "ALTER TABLE commerce_event ADD COLUMN device varchar(10) DEFAULT '' NOT NULL"
DROP = "ALTER TABLE commerce_event DROP COLUMN device"


class Migration(migrations.Migration):
    dependencies = [
        ("commerce", "0015_order_updated_at_not_null"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(ADD, DROP)],
            state_operations=[
                migrations.AddField(
                    model_name="event",
                    name="device",
                    field=models.CharField(blank=True, db_default="", default="", max_length=10),
                ),
            ],
        ),
    ]
