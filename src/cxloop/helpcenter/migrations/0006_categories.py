"""The fixed sections become the owner's categories.

Every store gets the eight sections as categories, in their order, each named in every shipped
language as the section heading was translated (customers keep reading the headings they read
before), with its address made from the name in the store's language; every article goes into the
category of its section, keeping its position. All eight, not only those in use: the article editor
offered all eight, so the owner keeps the same choices, a new store starts with the same eight
(categories.give_default_categories), and a category without a published article is not shown to
customers, so the front page looks as it did. Article addresses do not change and sections had none.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import translation

from cxloop.helpcenter.search_index import restore_index

# The sections as they were (key, heading); the headings are msgids of cxloop's translations.
SECTIONS = [
    ("orders", "Orders and shipping"),
    ("returns", "Returns and refunds"),
    ("payment", "Payment"),
    ("products", "Products and sizes"),
    ("account", "Your account"),
    ("about", "About us"),
    ("policies", "Policies"),
    ("other", "Other questions"),
]
# Headings named with a context (pgettext), as categories.DEFAULTS names them: the plain "Payment" is an
# order's payment status in some languages ("付款状态"), not a heading.
CONTEXTS = {"Payment": "help centre category"}


def _names(heading: str) -> dict[str, str]:
    names = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            context = CONTEXTS.get(heading)
            names[language] = translation.pgettext(context, heading) if context else translation.gettext(heading)
    return names


def sections_to_categories(apps, schema_editor):
    from cxloop.helpcenter.categories import make_slug

    Store = apps.get_model("core", "Store")
    Article = apps.get_model("helpcenter", "Article")
    Category = apps.get_model("helpcenter", "Category")
    CategoryText = apps.get_model("helpcenter", "CategoryText")
    shipped = [code for code, _name in settings.LANGUAGES]
    names = {key: _names(heading) for key, heading in SECTIONS}
    for store in Store.objects.only("pk", "default_language").iterator():
        language = store.default_language if store.default_language in shipped else "en"
        taken: set[str] = set()
        categories = []
        for position, (key, _heading) in enumerate(SECTIONS):
            slug = make_slug(names[key][language]) or key
            slug = key if slug in taken else slug
            taken.add(slug)
            categories.append(Category(store_id=store.pk, slug=slug, key=key, position=position))
        Category.objects.bulk_create(categories)
        CategoryText.objects.bulk_create(
            CategoryText(store_id=store.pk, category=category, language=code, name=name)
            for category in categories
            for code, name in names[category.key].items()
        )
        for category in categories:
            Article.objects.filter(store_id=store.pk, section=category.key).update(category=category)
        # A section no longer offered (none should exist): the last category, "Other questions".
        Article.objects.filter(store_id=store.pk, category__isnull=True).update(category=categories[-1])


def categories_to_sections(apps, schema_editor):
    Article = apps.get_model("helpcenter", "Article")
    keys = {key for key, _heading in SECTIONS}
    for article in Article.objects.select_related("category").iterator():
        key = article.category.key if article.category.key in keys else "other"
        Article.objects.filter(pk=article.pk).update(section=key)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0012_store_config_version"),
        ("helpcenter", "0005_articletext_title_folded"),
    ]

    operations = [
        migrations.CreateModel(
            name="Category",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("slug", models.SlugField(allow_unicode=True, max_length=80)),
                ("position", models.PositiveIntegerField(default=0)),
                ("key", models.CharField(blank=True, default="", max_length=16)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "store",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="core.store"
                    ),
                ),
            ],
            options={
                "ordering": ["position", "pk"],
                "constraints": [
                    models.UniqueConstraint(fields=("store", "slug"), name="helpcenter_category_slug")
                ],
            },
        ),
        migrations.CreateModel(
            name="CategoryText",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("language", models.CharField(max_length=16)),
                ("name", models.CharField(max_length=100)),
                ("description", models.CharField(blank=True, default="", max_length=300)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "category",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="texts", to="helpcenter.category"
                    ),
                ),
                (
                    "store",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="core.store"
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("category", "language"), name="helpcenter_category_language")
                ],
            },
        ),
        migrations.AddField(
            model_name="article",
            name="category",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="articles",
                to="helpcenter.category",
            ),
        ),
        migrations.RunPython(sections_to_categories, categories_to_sections),
        migrations.AlterField(
            model_name="article",
            name="category",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="articles", to="helpcenter.category"
            ),
        ),
        migrations.RemoveField(model_name="article", name="section"),
        migrations.AlterModelOptions(
            name="article",
            options={"ordering": ["category__position", "category_id", "position", "pk"]},
        ),
        # Rebuilding helpcenter_article leaves the texts' table and its search triggers alone; checked anyway.
        migrations.RunPython(restore_index, migrations.RunPython.noop),
    ]
