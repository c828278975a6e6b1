"""Customers found by any word of their name and email, without diacritics.

Creates CustomerSearchTerm, fills it from every customer in batches, then
builds its indexes once (faster than keeping them up to date row by row).
"""

import django.db.models.deletion
from django.db import migrations, models

BATCH = 5000


def fill_search_terms(apps, schema_editor):
    from cxloop.commerce.search_terms import build_terms

    Customer = apps.get_model("commerce", "Customer")
    CustomerSearchTerm = apps.get_model("commerce", "CustomerSearchTerm")
    rows = Customer.objects.order_by("pk").values_list("pk", "store_id", "first_name", "last_name", "email")
    last = 0
    while batch := list(rows.filter(pk__gt=last)[:BATCH]):
        CustomerSearchTerm.objects.bulk_create([
            CustomerSearchTerm(store_id=store_id, customer_id=pk, term=term)
            for pk, store_id, first, last_name, email in batch
            for term in sorted(build_terms(first, last_name, email))
        ], batch_size=2000)  # fmt: skip
        last = batch[-1][0]


class Migration(migrations.Migration):
    dependencies = [
        ("commerce", "0005_customer_history_address_order_shipping"),
        ("core", "0009_outbox_message"),
    ]

    operations = [
        migrations.CreateModel(
            name="CustomerSearchTerm",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("term", models.CharField(max_length=64)),
                ("customer", models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                               related_name="search_terms", to="commerce.customer")),
                ("store", models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                            related_name="+", to="core.store")),
            ],
        ),
        migrations.RunPython(fill_search_terms, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="customersearchterm",
            constraint=models.UniqueConstraint(fields=("store", "term", "customer"), name="searchterm_unique"),
        ),
        migrations.AddIndex(
            model_name="customersearchterm",
            index=models.Index(fields=["customer", "term"], name="searchterm_customer_idx"),
        ),
    ]  # fmt: skip
