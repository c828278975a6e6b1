from django.db import migrations, models


class Migration(migrations.Migration):
    """Order.updated_at is never empty: the demo's raw writer had left it out (every demo order NULL),
    and the warehouse sync pages orders by it. Rows still empty get what migration 0009 gave the
    orders stored before it."""

    dependencies = [
        ("commerce", "0014_segment_spent_covering"),
    ]

    operations = [
        migrations.RunSQL(
            "UPDATE commerce_order SET updated_at = COALESCE(source_updated_at, created_at) "
            "WHERE updated_at IS NULL",
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="order",
            name="updated_at",
            field=models.DateTimeField(auto_now=True),
        ),
    ]
