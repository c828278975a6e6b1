"""The help centre's categories: the owner's headings of the front page, each named in every language.

    category = add_category(store=store, name="Pielęgnacja butów", description="Jak czyścić skórę.")
    save_category_text(category=category, language="fa", name="نگهداری کفش", description="")
    move_category(category=category, up=True)
    delete_category(category=category)  # Conflict while it holds articles: move them first

A new store starts with the eight usual ones (DEFAULTS: orders and shipping, returns and refunds,
payment, ...), named in every shipped language from cxloop's translations, as the fixed sections they
replace were; the owner renames, translates, reorders and deletes them and adds their own. A name is
shown in the reader's language, else the store's, else the first written (as an article's words).

A category's address is made from its name in the store's language: Latin letters as plain a-z
("zamowienia-i-wysylka"), any other script kept as it is written ("مرجوعی-و-بازپرداخت-وجه",
"退货和退款"), a Persian zero-width non-joiner read as a dash. Browsers show such an address in its
script and send it percent-encoded.
"""

import re
import unicodedata

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from cxloop.core.errors import Conflict, InvalidInput
from cxloop.core.models import Store
from cxloop.core.textchecks import find_forbidden_character

from .models import Category, CategoryText

MAX_NAME = 100
MAX_DESCRIPTION = 300
MAX_SLUG = 80
SLUG = re.compile(r"\w(?:[\w-]{0,78}\w)?")

# The eight a store starts with, in this order: the help centre's former fixed sections. "Payment" has
# its own context: the plain msgid is an order's payment status, which Chinese words as "付款状态".
DEFAULTS = [
    ("orders", gettext_lazy("Orders and shipping")),
    ("returns", gettext_lazy("Returns and refunds")),
    ("payment", pgettext_lazy("help centre category", "Payment")),
    ("products", gettext_lazy("Products and sizes")),
    ("account", gettext_lazy("Your account")),
    ("about", gettext_lazy("About us")),
    ("policies", gettext_lazy("Policies")),
    ("other", gettext_lazy("Other questions")),
]
DEFAULT_NAMES = dict(DEFAULTS)

# Latin letters that do not decompose into ASCII under NFKD, so slugify would drop them.
_LATIN_LETTERS = str.maketrans(
    {"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ø": "o", "Ø": "O", "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe"}
)


def shipped_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def store_language(store: Store) -> str:
    """The language a category is first named in: the store's, if cxloop ships it, else English."""
    return store.default_language if store.default_language in shipped_languages() else "en"


def make_slug(name: str) -> str:
    """An address made from a name ("Zwroty i reklamacje" -> "zwroty-i-reklamacje", "退货" -> "退货");
    "" when nothing in it is a letter or a digit."""
    text = unicodedata.normalize("NFKC", name or "").replace("\u200c", "-")
    if all(_is_latin(char) for char in text if char.isalnum() and not char.isascii()):
        slug = slugify(text.translate(_LATIN_LETTERS))
    else:
        slug = slugify(text, allow_unicode=True)
    return slug[:MAX_SLUG].strip("-_")


def _is_latin(char: str) -> bool:
    return "LATIN" in unicodedata.name(char, "")


def clean_slug(raw: str) -> str:
    """The owner's address as stored (NFKC, lower case); InvalidInput naming `slug` if it is not one."""
    slug = unicodedata.normalize("NFKC", raw or "").strip().lower()
    if len(slug) > MAX_SLUG or not SLUG.fullmatch(slug) or "\u200c" in slug:
        raise InvalidInput(
            _("Use letters, digits and dashes for the address, in any script (for example care-and-repair)."),
            field="slug",
        )
    return slug


def clean_name(name: str, description: str) -> tuple[str, str]:
    """A category's name and description as stored (spaces collapsed); InvalidInput naming the field."""
    name = " ".join((name or "").split())
    description = " ".join((description or "").split())
    if not name:
        raise InvalidInput(_("Give the category a name."), field="name")
    if len(name) > MAX_NAME:
        raise InvalidInput(_("Keep the name under 100 characters."), field="name")
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput(_("Keep the description under 300 characters."), field="description")
    for field, value in (("name", name), ("description", description)):
        if find_forbidden_character(value):
            raise InvalidInput(_("The text holds a character that is not allowed."), field=field)
    return name, description


def _free_slug(base: str, taken: set[str]) -> str:
    """`base`, else the first "<base>-<n>" not in `taken`."""
    base = base or "category"
    slug, n = base, 2
    while slug in taken:
        suffix = f"-{n}"
        slug, n = base[: MAX_SLUG - len(suffix)].rstrip("-_") + suffix, n + 1
    return slug


def _taken_slugs(store: Store, *, exclude: int | None = None) -> set[str]:
    return set(Category.objects.filter(store=store).exclude(pk=exclude).values_list("slug", flat=True))


@transaction.atomic
def add_category(*, store: Store, name: str, description: str = "", slug: str = "") -> Category:
    """Add a category at the end of the front page, named in the store's language.

    The address is the owner's (Conflict naming `slug` if another category has it), else made from the
    name (the first free one: a second "Returns" is "returns-2"). Raises InvalidInput naming the field.
    """
    name, description = clean_name(name, description)
    chosen = clean_slug(slug) if (slug or "").strip() else _free_slug(make_slug(name), _taken_slugs(store))
    last = Category.objects.filter(store=store).aggregate(last=Max("position"))["last"]
    try:
        with transaction.atomic():
            category = Category.objects.create(
                store=store, slug=chosen, position=0 if last is None else last + 1
            )
    except IntegrityError:
        raise Conflict(_("Another category already has this address."), field="slug") from None
    CategoryText.objects.create(
        store=store, category=category, language=store_language(store), name=name, description=description
    )
    return category


@transaction.atomic
def save_category_text(*, category: Category, language: str, name: str, description: str) -> CategoryText:
    """Name (or rename) the category in one language, with its description; InvalidInput naming the field."""
    from .services import clean_language

    language = clean_language(language)
    name, description = clean_name(name, description)
    text, _created = CategoryText.objects.update_or_create(
        category=category,
        language=language,
        defaults={"store_id": category.store_id, "name": name, "description": description},
    )
    Category.objects.filter(pk=category.pk).update(updated_at=text.updated_at)
    return text


@transaction.atomic
def change_category_address(*, category: Category, slug: str) -> Category:
    """Give the category another address (empty: made from its name in the store's language).

    Links to the old address stop working. Conflict naming `slug` if another category has it.
    """
    if (slug or "").strip():
        chosen = clean_slug(slug)
    else:
        store = category.store
        texts = {text.language: text.name for text in category.texts.all()}
        name = texts.get(store_language(store)) or next(iter(texts.values()), "")
        chosen = _free_slug(make_slug(name), _taken_slugs(store, exclude=category.pk))
    if chosen == category.slug:
        return category
    category.slug = chosen
    try:
        with transaction.atomic():
            category.save(update_fields=["slug", "updated_at"])
    except IntegrityError:
        raise Conflict(_("Another category already has this address."), field="slug") from None
    return category


@transaction.atomic
def move_category(*, category: Category, up: bool) -> None:
    """Show the category one place earlier (up) or later on the front page; the first stays first."""
    categories = list(
        Category.objects.select_for_update().filter(store_id=category.store_id).order_by("position", "pk")
    )
    index = next(i for i, other in enumerate(categories) if other.pk == category.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(categories):
        return
    categories[index], categories[other] = categories[other], categories[index]
    for position, each in enumerate(categories):
        if each.position != position:
            Category.objects.filter(pk=each.pk).update(position=position)


@transaction.atomic
def delete_category(*, category: Category) -> None:
    """Delete a category and its names; Conflict while it holds articles (they are moved first, by hand)."""
    held = category.articles.count()
    if held:
        raise Conflict(
            ngettext(
                "This category still holds %(count)d article. Move it to another category first.",
                "This category still holds %(count)d articles. Move them to another category first.",
                held,
            )
            % {"count": held},
            field="form",
        )
    category.delete()


# --- the defaults ---------------------------------------------------------------------------------


def default_names(key: str) -> dict[str, str]:
    """A default category's name in every shipped language, as cxloop's translations word it."""
    label = DEFAULT_NAMES[key]
    names = {}
    for language in shipped_languages():
        with translation.override(language):
            names[language] = str(label)
    return names


def give_default_categories(store: Store, keys: list[str] | None = None) -> list[Category]:
    """Add the usual categories (all eight, or those of `keys`) at the end, each named in every shipped
    language; their addresses are made from their names in the store's language. Two queries to write."""
    chosen = [key for key, _label in DEFAULTS if keys is None or key in keys]
    last = Category.objects.filter(store=store).aggregate(last=Max("position"))["last"]
    start = 0 if last is None else last + 1
    taken = _taken_slugs(store)
    categories, names = [], []
    for offset, key in enumerate(chosen):
        names.append(default_names(key))
        slug = _free_slug(make_slug(names[-1][store_language(store)]) or key, taken)
        taken.add(slug)
        categories.append(Category(store=store, slug=slug, key=key, position=start + offset))
    Category.objects.bulk_create(categories)  # the ids come back (SQLite and PostgreSQL)
    CategoryText.objects.bulk_create(
        CategoryText(store=store, category=category, language=language, name=name)
        for category, by_language in zip(categories, names, strict=True)
        for language, name in by_language.items()
    )
    return categories


def default_category(store: Store, key: str) -> Category:
    """The store's category made from the default `key`, else a new one from it (the owner deleted it)."""
    found = Category.objects.filter(store=store, key=key).order_by("position", "pk").first()
    return found or give_default_categories(store, [key])[0]
