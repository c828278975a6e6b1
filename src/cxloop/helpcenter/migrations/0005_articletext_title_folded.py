from django.db import migrations, models

from cxloop.helpcenter.search_index import restore_index


def fold_titles(apps, schema_editor):
    from cxloop.commerce.search_terms import fold

    ArticleText = apps.get_model("helpcenter", "ArticleText")
    texts = list(ArticleText.objects.only("pk", "title"))
    for text in texts:
        text.title_folded = fold(text.title)
    ArticleText.objects.bulk_update(texts, ["title_folded"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("helpcenter", "0004_articleviewday_searchday"),
    ]

    operations = [
        migrations.AddField(
            model_name="articletext",
            name="title_folded",
            field=models.TextField(blank=True, default=""),
        ),
        # SQLite built the table anew for the column, without its search triggers: put them back.
        migrations.RunPython(restore_index, migrations.RunPython.noop),
        migrations.RunPython(fold_titles, migrations.RunPython.noop),
    ]
