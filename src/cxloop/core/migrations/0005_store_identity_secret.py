import cxloop.core.identity
from django.db import migrations, models


def give_each_store_its_own_secret(apps, schema_editor):
    # AddField evaluates a callable default once for all rows; every store needs its own.
    Store = apps.get_model("core", "Store")
    for store in Store.objects.only("pk"):
        Store.objects.filter(pk=store.pk).update(
            identity_secret=cxloop.core.identity.generate_identity_secret()
        )


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0004_store_storefront_origins"),
    ]

    operations = [
        migrations.AddField(
            model_name="store",
            name="identity_mismatch_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="store",
            name="identity_mismatches",
            field=models.PositiveIntegerField(
                default=0, help_text="Storefront identify calls whose identity_hash did not match."
            ),
        ),
        migrations.AddField(
            model_name="store",
            name="identity_secret",
            field=models.CharField(default="", max_length=80),
            preserve_default=False,
        ),
        migrations.RunPython(give_each_store_its_own_secret, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="store",
            name="identity_secret",
            field=models.CharField(default=cxloop.core.identity.generate_identity_secret, max_length=80),
        ),
        migrations.AddField(
            model_name="store",
            name="identity_secret_rotated_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
