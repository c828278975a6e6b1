from django.db import migrations, models


class Migration(migrations.Migration):
    """Suppressions keep a digest of the address, never the address itself."""

    dependencies = [("flows", "0001_initial")]

    operations = [
        migrations.RemoveConstraint(model_name="suppression", name="suppression_unique_email"),
        migrations.RemoveField(model_name="suppression", name="email_key"),
        migrations.AddField(
            model_name="suppression",
            name="email_digest",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.AddConstraint(
            model_name="suppression",
            constraint=models.UniqueConstraint(
                fields=("store", "email_digest"), name="suppression_unique_email"
            ),
        ),
    ]
