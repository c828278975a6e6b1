"""Help-centre categories: the owner's own, named per language with a fallback, ordered, shown."""

import pytest
from django.urls import reverse

from cxloop.core import services as core_services
from cxloop.core.errors import Conflict, InvalidInput
from cxloop.helpcenter import categories, queries, services
from cxloop.helpcenter.categories import default_category
from cxloop.helpcenter.models import Article, Category, CategoryText

pytestmark = pytest.mark.django_db

LIST = reverse("helpcenter:categories")


def make_article(store, slug, category, texts, *, published=True, position=0):
    article = services.save_article(
        store=store,
        fields={
            "slug": slug,
            "category": category,
            "position": position,
            "published": "on" if published else "",
        },
    )
    for language, title in texts.items():
        services.save_text(article=article, language=language, title=title, body=f"{title}.")
    return article


def names(store, language="en"):
    return [
        queries.category_name(c, language, store.default_language) for c in queries.list_categories(store)
    ]


# --- what a store starts with ---------------------------------------------------------------------


def test_a_new_store_starts_with_the_eight_usual_categories_named_in_every_language(store):
    made = list(Category.objects.filter(store=store))

    assert [c.key for c in made] == [
        "orders",
        "returns",
        "payment",
        "products",
        "account",
        "about",
        "policies",
        "other",
    ]
    assert [c.position for c in made] == list(range(8))
    assert made[0].slug == "orders-and-shipping" and made[7].slug == "other-questions"
    orders = {text.language: text.name for text in made[0].texts.all()}
    assert orders == {
        "en": "Orders and shipping", "pl": "Zamówienia i wysyłka", "lv": "Pasūtījumi un piegāde",
        "fa": "سفارش و ارسال", "zh-hans": "订单与配送", "zh-hant": "訂單與配送",
    }  # fmt: skip


def test_the_payment_category_is_named_as_a_heading_not_as_an_orders_payment_status(store):
    payment = Category.objects.get(store=store, key="payment")

    assert {text.language: text.name for text in payment.texts.all()} == {
        "en": "Payment", "pl": "Płatności", "lv": "Maksājumi",
        "fa": "پرداخت", "zh-hans": "付款", "zh-hant": "付款",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("language", "orders", "products"),
    [("pl", "zamowienia-i-wysylka", "produkty-i-rozmiary"), ("fa", "سفارش-و-ارسال", "محصولات-و-اندازه-ها"),
     ("zh-hans", "订单与配送", "商品与尺码"), ("zh-hant", "訂單與配送", "商品與尺碼")],
)  # fmt: skip
def test_a_stores_category_addresses_are_made_from_the_names_in_its_language(db, language, orders, products):
    store, _key = core_services.create_store(name="Sklep", currency="EUR", language=language)

    slugs = dict(Category.objects.filter(store=store).values_list("key", "slug"))

    assert (slugs["orders"], slugs["products"]) == (orders, products)
    assert len(set(slugs.values())) == 8


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Pielęgnacja butów", "pielegnacja-butow"),
        ("Łódź & Gdańsk!", "lodz-gdansk"),
        ("نگهداری کفش‌ها", "نگهداری-کفش-ها"),  # the zero-width non-joiner read as a dash
        ("鞋子护理，清洁", "鞋子护理清洁"),
        ("DHL 配送", "dhl-配送"),  # a name in two scripts keeps both
        ("Ｆｕｌｌ　ｗｉｄｔｈ", "full-width"),
        ("FAQ 2025", "faq-2025"),
        ("۱۴۰۴", "۱۴۰۴"),  # Persian digits alone are kept too
        ("🎁 ✨", ""),
    ],
)
def test_an_address_is_made_from_a_name_in_any_script(name, slug):
    assert categories.make_slug(name) == slug


# --- the verbs ------------------------------------------------------------------------------------


def test_an_owner_adds_names_translates_and_finds_the_name_with_a_fallback(store):
    care = categories.add_category(store=store, name="  Shoe   care ", description="Cleaning and storing.")
    categories.save_category_text(category=care, language="fa", name="نگهداری کفش", description="")

    assert (care.slug, care.position, care.key) == ("shoe-care", 8, "")
    texts = {t.language: (t.name, t.description) for t in care.texts.all()}
    assert texts == {"en": ("Shoe care", "Cleaning and storing."), "fa": ("نگهداری کفش", "")}
    care = queries.get_category(store, care.pk)
    assert queries.category_name(care, "fa", store.default_language) == "نگهداری کفش"
    assert queries.category_name(care, "zh-hans", store.default_language) == "Shoe care"  # the store's


def test_a_second_category_of_the_same_name_gets_the_next_free_address(store):
    first = categories.add_category(store=store, name="Gifts")
    second = categories.add_category(store=store, name="Gifts")
    emoji = categories.add_category(store=store, name="🎁")

    assert (first.slug, second.slug, emoji.slug) == ("gifts", "gifts-2", "category")


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": "   "}, "name", "Give the category a name."),
        ({"name": "x" * 101}, "name", "Keep the name under 100 characters."),
        (
            {"name": "Gifts", "description": "x" * 301},
            "description",
            "Keep the description under 300 characters.",
        ),
        ({"name": "Gifts\u202e"}, "name", "The text holds a character that is not allowed."),
        ({"name": "Gifts", "slug": "has spaces"}, "slug", "Use letters, digits and dashes"),
        ({"name": "Gifts", "slug": "-dash"}, "slug", "Use letters, digits and dashes"),
        ({"name": "Gifts", "slug": "a/b"}, "slug", "Use letters, digits and dashes"),
        ({"name": "Gifts", "slug": "x" * 81}, "slug", "Use letters, digits and dashes"),
    ],
)
def test_bad_input_is_invalid_naming_the_field_and_adds_nothing(store, fields, field, message):
    with pytest.raises(InvalidInput) as raised:
        categories.add_category(store=store, **fields)

    assert raised.value.field == field and raised.value.message.startswith(message)
    assert Category.objects.filter(store=store).count() == 8


def test_an_address_another_category_has_is_a_conflict_in_this_store_only(store, other_store):
    categories.add_category(store=other_store, name="Gifts", slug="gifts")
    mine = categories.add_category(store=store, name="Gifts", slug="GIFTS")

    with pytest.raises(Conflict) as raised:
        categories.add_category(store=store, name="Presents", slug="gifts")
    with pytest.raises(Conflict):
        categories.change_category_address(category=default_category(store, "other"), slug="gifts")

    assert mine.slug == "gifts" and raised.value.field == "slug"
    assert default_category(store, "other").slug == "other-questions"


def test_an_empty_address_is_made_again_from_the_name_in_the_stores_language(store):
    care = categories.add_category(store=store, name="Care", slug="pielegnacja")
    categories.save_category_text(category=care, language="en", name="Shoe care", description="")

    categories.change_category_address(category=care, slug="")

    assert Category.objects.get(pk=care.pk).slug == "shoe-care"


def test_categories_move_up_and_down_and_stay_put_at_the_ends(store):
    orders, returns = default_category(store, "orders"), default_category(store, "returns")
    other = default_category(store, "other")

    categories.move_category(category=returns, up=True)
    categories.move_category(category=returns, up=True)  # already first
    categories.move_category(category=other, up=False)  # already last
    categories.move_category(category=orders, up=False)

    assert names(store)[:3] == ["Returns and refunds", "Payment", "Orders and shipping"]
    assert names(store)[-1] == "Other questions"
    assert list(Category.objects.filter(store=store).values_list("position", flat=True)) == list(range(8))


def test_a_category_holding_articles_is_not_deleted_until_they_are_moved(store):
    orders = default_category(store, "orders")
    article = make_article(store, "shipping", orders, {"en": "Shipping"})

    with pytest.raises(Conflict) as raised:
        categories.delete_category(category=orders)
    other = default_category(store, "other")
    services.save_article(store=store, fields={"slug": "shipping", "category": other}, article=article)
    categories.delete_category(category=orders)

    assert raised.value.message == "This category still holds 1 article. Move it to another category first."
    assert not Category.objects.filter(pk=orders.pk).exists()
    assert not CategoryText.objects.filter(category_id=orders.pk).exists()


def test_an_article_takes_only_one_of_the_stores_categories(store, other_store):
    theirs = default_category(other_store, "orders")

    for given in (theirs, str(theirs.pk), "", None, "abc", "99999999999999999999999", "-1"):
        with pytest.raises(InvalidInput) as raised:
            services.save_article(store=store, fields={"slug": "x", "category": given})
        assert raised.value.field == "category"
    assert not Article.objects.exists()


def test_a_template_goes_into_the_category_made_from_its_default_whatever_it_is_called_now(store):
    orders = default_category(store, "orders")
    categories.save_category_text(category=orders, language="en", name="Delivery", description="")
    policies = default_category(store, "policies")
    policies.delete()

    shipping = services.create_from_template(store=store, key="shipping")
    privacy = services.create_from_template(store=store, key="privacy")

    assert shipping.category == orders
    assert privacy.category.key == "policies" and privacy.category.pk != policies.pk  # made again, last
    assert names(store)[-1] == "Policies"


# --- the staff pages ------------------------------------------------------------------------------


def test_the_owner_sees_the_categories_in_order_and_adds_one(staff_client, store):
    page = staff_client.get(LIST)

    added = staff_client.post(LIST, {"name": "Shoe care", "description": "Cleaning.", "slug": ""})

    html = page.content.decode()
    assert page.status_code == 200
    assert (
        html.index("Orders and shipping") < html.index("Returns and refunds") < html.index("Other questions")
    )
    care = Category.objects.get(store=store, slug="shoe-care")
    assert added.status_code == 302
    assert added["Location"] == reverse("helpcenter:category", args=[care.pk]) + "?language=en"


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"name": ""}, 422, "Give the category a name."),
        ({"name": "x" * 150}, 422, "Keep the name under 100 characters."),
        ({"name": "Gifts", "description": "x" * 400}, 422, "Keep the description under 300 characters."),
        ({"name": "Gifts", "slug": "orders-and-shipping"}, 409, "Another category already has this address."),
        ({"name": "Gifts", "slug": "no spaces"}, 422, "Use letters, digits and dashes"),
    ],
)
def test_a_bad_category_is_a_clear_form_error_and_changes_nothing(staff_client, store, data, status, message):
    answer = staff_client.post(LIST, data)

    assert answer.status_code == status and message in answer.content.decode()
    assert 'aria-invalid="true"' in answer.content.decode()
    assert Category.objects.filter(store=store).count() == 8


def test_the_owner_renames_translates_and_readdresses_a_category(staff_client, store):
    orders = default_category(store, "orders")
    url = reverse("helpcenter:category", args=[orders.pk])

    renamed = staff_client.post(
        url, {"action": "text", "language": "en", "name": "Delivery", "description": "When."}
    )
    persian = staff_client.post(url, {"action": "text", "language": "fa", "name": "تحویل", "description": ""})
    empty = staff_client.post(url, {"action": "text", "language": "pl", "name": " ", "description": ""})
    moved = staff_client.post(url, {"action": "address", "language": "en", "slug": "تحویل"})
    unknown = staff_client.post(url, {"action": "explode"})
    page = staff_client.get(url, {"language": "fa"}).content.decode()

    assert (renamed.status_code, persian.status_code, moved.status_code) == (302, 302, 302)
    assert empty.status_code == 422 and "Give the category a name." in empty.content.decode()
    assert unknown.status_code == 400
    orders = Category.objects.get(pk=orders.pk)
    texts = {t.language: (t.name, t.description) for t in orders.texts.all()}
    assert texts["en"] == ("Delivery", "When.") and texts["fa"] == ("تحویل", "")
    assert texts["pl"] == ("Zamówienia i wysyłka", "")  # unchanged
    assert orders.slug == "تحویل"
    assert 'value="تحویل"' in page and 'lang="fa"' in page


def test_moving_keeps_the_focus_on_the_moved_rows_button(staff_client, store):
    returns = default_category(store, "returns")
    url = reverse("helpcenter:category-move", args=[returns.pk])

    answer = staff_client.post(url, {"direction": "up"})
    page = staff_client.get(answer["Location"]).content.decode()
    bad = staff_client.post(url, {"direction": "sideways"})

    assert answer.status_code == 302
    assert answer["Location"] == f"{LIST}?moved={returns.pk}&direction=up"
    assert names(store)[:2] == ["Returns and refunds", "Orders and shipping"]
    # now first: its "up" button is disabled, so the focus goes to its "down" one
    row = page[page.index(f'id="category-{returns.pk}"') :]
    row = row[: row.index("</tr>")]
    assert row.count("autofocus") == 1 and row.index("disabled") < row.index("autofocus")
    assert bad.status_code == 400


def test_deleting_a_category_with_articles_is_refused_saying_why(staff_client, store):
    orders, payment = default_category(store, "orders"), default_category(store, "payment")
    make_article(store, "shipping", orders, {"en": "Shipping"})
    make_article(store, "tracking", orders, {"en": "Tracking"}, published=False)

    refused = staff_client.post(reverse("helpcenter:category-delete", args=[orders.pk]))
    deleted = staff_client.post(reverse("helpcenter:category-delete", args=[payment.pk]))

    html = refused.content.decode()
    assert refused.status_code == 409
    assert "This category still holds 2 articles. Move them to another category first." in html
    assert "Shipping" in html and "Tracking" in html  # the articles to move, linked
    assert deleted.status_code == 302 and deleted["Location"] == LIST
    assert set(Category.objects.filter(store=store).values_list("key", flat=True)) == {
        "orders", "returns", "products", "account", "about", "policies", "other",
    }  # fmt: skip


def test_agents_cannot_reach_the_categories(agent_client, store):
    orders = default_category(store, "orders")

    assert agent_client.get(LIST).status_code == 403
    assert agent_client.post(LIST, {"name": "Gifts"}).status_code == 403
    for name in ("helpcenter:category", "helpcenter:category-move", "helpcenter:category-delete"):
        assert agent_client.post(reverse(name, args=[orders.pk]), {"direction": "down"}).status_code == 403
    assert agent_client.get(reverse("helpcenter:category", args=[orders.pk])).status_code == 403
    assert "helpcenter/categories/" not in agent_client.get(reverse("helpcenter:articles")).content.decode()
    assert Category.objects.filter(store=store).count() == 8 and orders.position == 0


def test_another_stores_category_is_404_and_stays_as_it_was(staff_client, store, other_store):
    theirs = default_category(other_store, "returns")

    for name in ("helpcenter:category", "helpcenter:category-move", "helpcenter:category-delete"):
        for method in ("get", "post"):
            answer = getattr(staff_client, method)(reverse(name, args=[theirs.pk]), {"direction": "up"})
            assert answer.status_code == 404, (name, method)
    assert Category.objects.get(pk=theirs.pk).position == 1


def test_the_article_editor_picks_one_of_the_stores_categories(staff_client, store, other_store):
    theirs = default_category(other_store, "returns")
    article = make_article(store, "shipping", default_category(store, "orders"), {"en": "Shipping"})
    url = reverse("helpcenter:article", args=[article.pk])
    care = categories.add_category(store=store, name="Shoe care")

    page = staff_client.get(url).content.decode()
    refused = staff_client.post(url, {"action": "settings", "slug": "shipping", "category": theirs.pk})
    moved = staff_client.post(url, {"action": "settings", "slug": "shipping", "category": care.pk})

    select = page[page.index('<select id="article-category"') :]
    select = select[: select.index("</select>")]
    assert select.count("<option ") == 9 and f'<option value="{theirs.pk}"' not in select
    assert f'<option value="{article.category_id}" selected>Orders and shipping</option>' in page
    assert (
        refused.status_code == 422
        and "Choose one of the store&#x27;s categories." in refused.content.decode()
    )
    assert moved.status_code == 302 and Article.objects.get(pk=article.pk).category == care


def test_the_article_list_names_each_articles_category(staff_client, store):
    make_article(store, "care", categories.add_category(store=store, name="Shoe care"), {"en": "Leather"})

    html = staff_client.get(reverse("helpcenter:articles")).content.decode()

    assert "<td><bdi>Shoe care</bdi></td>" in html


# --- what customers see ---------------------------------------------------------------------------


@pytest.fixture
def help_centre(store):
    """Two categories with published articles (the store's own one moved first), one with a draft only."""
    care = categories.add_category(store=store, name="Shoe care", description="Cleaning and storing.")
    categories.save_category_text(category=care, language="fa", name="نگهداری کفش", description="تمیز کردن")
    categories.save_category_text(category=care, language="zh-hans", name="鞋子护理", description="清洁")
    for _step in range(8):
        categories.move_category(category=care, up=True)
    make_article(store, "leather", care, {"en": "Leather care", "fa": "چرم", "zh-hans": "皮鞋护理"})
    make_article(store, "suede", care, {"en": "Suede care"}, position=1)
    make_article(
        store, "shipping", default_category(store, "orders"), {"en": "Shipping times", "fa": "زمان ارسال"}
    )
    make_article(store, "card", default_category(store, "payment"), {"en": "Paying by card"}, published=False)
    return care


def test_the_front_page_lists_the_categories_in_the_owners_order_with_their_articles(
    client, store, help_centre
):
    html = client.get("/help/sklep-ania/", {"lang": "en"}).content.decode()

    assert html.index("Shoe care") < html.index("Leather care") < html.index("Suede care")
    assert html.index("Suede care") < html.index("Orders and shipping") < html.index("Shipping times")
    assert "Cleaning and storing." in html
    assert "Payment" not in html and "Paying by card" not in html  # only a draft: not shown
    assert 'href="/help/sklep-ania/category/shoe-care/?lang=en"' in html


def test_the_front_page_in_persian_is_right_to_left_with_persian_names(client, store, help_centre):
    html = client.get("/help/sklep-ania/", HTTP_ACCEPT_LANGUAGE="fa-IR,fa;q=0.9").content.decode()

    assert 'dir="rtl"' in html and 'lang="fa"' in html
    assert html.index("نگهداری کفش") < html.index("سفارش و ارسال")
    assert "تمیز کردن" in html and "زمان ارسال" in html
    assert "Suede care" in html  # not written in Persian: in the store's language


def test_a_category_page_in_chinese_names_its_languages_and_falls_back(client, store, help_centre):
    page = client.get("/help/sklep-ania/category/shoe-care/", {"lang": "zh-hans"})
    orders = client.get("/help/sklep-ania/category/orders-and-shipping/", {"lang": "zh-hans"})

    html = page.content.decode()
    assert page.status_code == 200 and 'lang="zh-hans"' in html and 'dir="ltr"' in html
    assert "<title>鞋子护理 · Sklep Ania</title>" in html and "皮鞋护理" in html and "Suede care" in html
    assert "Shipping times" not in html  # another category's
    base = "http://testserver/help/sklep-ania/category/shoe-care/"
    assert f'<link rel="canonical" href="{base}?lang=zh-hans">' in html
    for code in ("en", "fa", "zh-hans"):
        assert f'<link rel="alternate" hreflang="{code}" href="{base}?lang={code}">' in html
    # a category whose articles are not written in Chinese: indexed in English, where its article is
    assert orders.status_code == 200 and "订单与配送" in orders.content.decode()
    assert (
        '<link rel="canonical" href="http://testserver/help/sklep-ania/category/orders-and-shipping/?lang=en">'
        in orders.content.decode()
    )


def test_a_category_with_a_chinese_or_persian_address_is_reached_by_it(client, store):
    gifts = categories.add_category(store=store, name="礼品卡", description="")
    make_article(store, "gift-cards", gifts, {"zh-hans": "如何使用礼品卡"})

    front = client.get("/help/sklep-ania/", {"lang": "zh-hans"}).content.decode()
    page = client.get("/help/sklep-ania/category/%E7%A4%BC%E5%93%81%E5%8D%A1/", {"lang": "zh-hans"})

    assert gifts.slug == "礼品卡"
    assert 'href="/help/sklep-ania/category/%E7%A4%BC%E5%93%81%E5%8D%A1/?lang=zh-hans"' in front
    assert page.status_code == 200 and "如何使用礼品卡" in page.content.decode()


def test_a_category_not_named_in_the_readers_language_says_so(client, store, help_centre):
    from django.utils import translation

    html = client.get("/help/sklep-ania/category/shoe-care/", {"lang": "pl"}).content.decode()

    with translation.override("pl"):
        line = translation.gettext("This category is not named in your language yet.")
    assert "Shoe care" in html and 'lang="pl"' in html and line in html


@pytest.mark.parametrize(
    "path",
    ["/help/sklep-ania/category/payment/", "/help/sklep-ania/category/your-account/",
     "/help/sklep-ania/category/nothing/", "/help/other-shop/category/shoe-care/",
     "/help/sklep-ania/category/%00/", "/help/sklep-ania/category/" + "x" * 81 + "/"],
)  # fmt: skip
def test_a_category_without_a_published_article_or_of_another_store_is_404(
    client, help_centre, other_store, path
):
    assert client.get(path).status_code == 404


def test_an_article_links_to_its_category_in_the_readers_language(client, store, help_centre):
    html = client.get("/help/sklep-ania/leather/", {"lang": "fa"}).content.decode()

    assert 'href="/help/sklep-ania/category/shoe-care/?lang=fa"' in html and "نگهداری کفش" in html


def test_search_results_follow_the_categories_order_after_the_title_matches(store):
    from cxloop.helpcenter.search import search_articles

    returns, orders = default_category(store, "returns"), default_category(store, "orders")
    for slug, category, title, body in [
        ("back", returns, "Sending it back", "Put it in the box."),
        ("arrives", orders, "Delivery", "The box comes."),
        ("boxes", returns, "Our boxes", "Recycled."),
    ]:  # fmt: skip
        article = services.save_article(
            store=store, fields={"slug": slug, "category": category, "published": "on"}
        )
        services.save_text(article=article, language="en", title=title, body=body)

    def found():
        return [r.text.article.slug for r in search_articles(store, "box", language="en")]

    before = found()
    categories.move_category(category=returns, up=True)

    assert before == ["boxes", "arrives", "back"]  # the title match first, then orders before returns
    assert found() == ["boxes", "back", "arrives"]


def test_the_front_page_and_the_category_list_take_the_same_queries_however_many_categories(
    client, staff_client, store, help_centre
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_of(browser, url):
        with CaptureQueriesContext(connection) as captured:
            assert browser.get(url).status_code == 200
        return len(captured)

    before = (queries_of(client, "/help/sklep-ania/"), queries_of(staff_client, LIST))
    for n in range(3):
        extra = categories.add_category(store=store, name=f"Extra {n}")
        make_article(store, f"extra-{n}", extra, {"en": f"Extra article {n}", "fa": f"مقاله {n}"})

    assert (queries_of(client, "/help/sklep-ania/"), queries_of(staff_client, LIST)) == before
