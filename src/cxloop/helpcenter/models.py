"""The store's help centre: articles in the owner's categories, each written in one or more languages."""

from django.db import models

from cxloop.core.models import StoreScopedModel


class Category(StoreScopedModel):
    """A heading of the help centre's front page, made by the owner; its name is in `texts`, one per
    language (as an article's words), shown in the reader's language else the store's."""

    slug = models.SlugField(max_length=80, allow_unicode=True)  # /help/<store>/category/<slug>/
    position = models.PositiveIntegerField(default=0)  # on the front page, smallest first
    # The default it was made from ("orders", categories.DEFAULTS), "" for the owner's own: a ready
    # template's article goes into the category made from its default, whatever it is called now.
    key = models.CharField(max_length=16, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "slug"], name="helpcenter_category_slug"),
        ]
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.slug


class CategoryText(StoreScopedModel):
    """A category's name and short description in one language."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(max_length=16)
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=300, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["category", "language"], name="helpcenter_category_language")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"


class Article(StoreScopedModel):
    """One help-centre page; its words are in `texts`, one per language."""

    slug = models.SlugField(max_length=80, allow_unicode=False)  # /help/<store>/<slug>/
    # A category with articles cannot be deleted (categories.delete_category says so first).
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="articles")
    position = models.PositiveIntegerField(default=0)  # within its category, smallest first
    published = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "slug"], name="helpcenter_article_slug")]
        ordering = ["category__position", "category_id", "position", "pk"]

    def __str__(self) -> str:
        return self.slug


class ArticleText(StoreScopedModel):
    """An article in one language: the Markdown its author wrote, and the HTML shown (made once,
    sanitised: services.render_markdown)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(max_length=16)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    html = models.TextField(blank=True)
    # The title's and body's words, folded and cut as the help desk's search prepares them
    # (helpdesk.search.prepare_document); indexed by the migration's FTS5 table / tsvector.
    words = models.TextField(blank=True)
    # The title folded as search words are (commerce.search_terms.fold): the search ranks texts whose
    # title holds every word first, in SQL, without reading each title back.
    title_folded = models.TextField(blank=True, default="")
    # "Was this helpful?" answers to this language's text (services.record_feedback)
    helpful = models.PositiveIntegerField(default=0)
    unhelpful = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "language"], name="helpcenter_text_language")
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"


class ArticleViewDay(StoreScopedModel):
    """How many times a text was read on a day (the store's day): one counter row, not one per view."""

    text = models.ForeignKey(ArticleText, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    views = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["text", "day"], name="helpcenter_view_day")]
        indexes = [models.Index(fields=["store", "day"], name="helpcenter_view_store_day")]


class SearchDay(StoreScopedModel):
    """What customers searched for on a day, and whether anything was found (content gaps)."""

    day = models.DateField()
    language = models.CharField(max_length=16)
    query = models.CharField(max_length=100)  # folded: case, spaces and accents as the search reads them
    found = models.BooleanField()
    searches = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "day", "language", "query", "found"], name="helpcenter_search_day"
            )
        ]
        indexes = [models.Index(fields=["store", "day"], name="helpcenter_search_store_day")]
