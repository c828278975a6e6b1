"""The demo store's help centre: four published articles in English, Polish, Persian and Chinese, three
in the usual categories a store starts with and one in a category of the store's own, "Shoe care",
shown first."""

# ruff: noqa: E501 (the articles' sentences, kept whole)

from cxloop.helpcenter import categories, services

SIZE_CHART = "| EU | UK | US | cm |\n|---:|---:|---:|---:|\n| 38 | 5 | 7 | 24.0 |\n| 40 | 6.5 | 8.5 | 25.5 |\n| 42 | 8 | 10 | 27.0 |"

ARTICLES = [
    ("shipping", "orders", {
        "en": ("Shipping times", "We ship within **2 working days**. Delivery takes 2-4 days in the EU.\n\n"
               "- Tracking: the link in your shipping email\n- Free shipping from 50 EUR"),
        "pl": ("Czas wysyłki", "Wysyłamy w ciągu **2 dni roboczych**. Dostawa w UE trwa 2-4 dni.\n\n"
               "- Śledzenie: link w e-mailu o wysyłce\n- Darmowa wysyłka od 50 EUR"),
        "fa": ("زمان ارسال", "سفارش‌ها را ظرف **۲ روز کاری** ارسال می‌کنیم. تحویل در اتحادیهٔ اروپا ۲ تا ۴ روز طول می‌کشد.\n\n"
               "- پیگیری: پیوند در ایمیل ارسال\n- ارسال رایگان از ۵۰ یورو"),
        "zh-hans": ("配送时间", "我们在 **2 个工作日** 内发货。欧盟境内配送需要 2-4 天。\n\n- 物流跟踪：发货邮件中的链接\n- 满 50 欧元免运费"),
    }),
    ("returns", "returns", {
        "en": ("Returning an item", "You have **30 days** to return an item, unworn and with its tags. "
               "Write to us and we send you a return label; the refund follows within 5 days of its arrival."),
        "pl": ("Zwrot towaru", "Masz **30 dni** na zwrot nienoszonego towaru z metkami. Napisz do nas, "
               "a wyślemy etykietę zwrotną; zwrot pieniędzy w ciągu 5 dni od dotarcia paczki."),
        "fa": ("مرجوع کردن کالا", "تا **۳۰ روز** فرصت دارید کالای استفاده‌نشده را با برچسبش برگردانید. "
               "به ما بنویسید تا برچسب مرجوعی بفرستیم؛ بازپرداخت ظرف ۵ روز پس از رسیدن بسته انجام می‌شود."),
        "zh-hans": ("退货", "您有 **30 天** 可以退回未穿着且吊牌完好的商品。联系我们获取退货标签；包裹到达后 5 天内退款。"),
    }),
    ("sizes", "products", {
        "en": ("Shoe sizes", "Measure your foot from heel to toe and pick the length in cm.\n\n" + SIZE_CHART),
        "pl": ("Rozmiary butów", "Zmierz stopę od pięty do palców i wybierz długość w cm.\n\n" + SIZE_CHART),
        "fa": ("اندازهٔ کفش", "طول پا را از پاشنه تا انگشت اندازه بگیرید و طول را به سانتی‌متر انتخاب کنید.\n\n"
               + SIZE_CHART),
        "zh-hans": ("鞋码对照", "从脚跟量到脚尖，按厘米长度选择尺码。\n\n" + SIZE_CHART),
    }),
]  # fmt: skip


CARE = {  # the store's own category: name and description per language
    "en": ("Shoe care", "Cleaning, waterproofing and storing your shoes."),
    "pl": ("Pielęgnacja butów", "Czyszczenie, impregnacja i przechowywanie butów."),
    "fa": ("نگهداری کفش", "تمیز کردن، ضدآب کردن و نگهداری کفش‌ها."),
    "zh-hans": ("鞋子护理", "清洁、防水和存放您的鞋子。"),
}
CARE_ARTICLE = ("leather-care", {
    "en": ("Caring for leather shoes", "Brush off dirt, wipe with a damp cloth and let them dry **away from heat**. "
           "Use a leather cream once a month."),
    "pl": ("Pielęgnacja skórzanych butów", "Usuń brud szczotką, przetrzyj wilgotną ściereczką i susz **z dala od grzejnika**. "
           "Raz w miesiącu użyj kremu do skóry."),
    "fa": ("نگهداری کفش چرمی", "گرد و خاک را با برس بگیرید، با پارچهٔ نم‌دار پاک کنید و **دور از گرما** خشک کنید. "
           "ماهی یک بار از کرم چرم استفاده کنید."),
    "zh-hans": ("皮鞋护理", "刷去灰尘，用湿布擦拭，**远离热源**晾干。每月使用一次皮革护理霜。"),
})  # fmt: skip


def generate_helpcenter(*, store) -> int:
    """Write the demo articles (published) and the store's own category; return how many articles."""
    for position, (slug, key, texts) in enumerate(ARTICLES):
        _write(store, slug, categories.default_category(store, key), position, texts)
    care = _care_category(store)
    _write(store, CARE_ARTICLE[0], care, 0, CARE_ARTICLE[1])
    return len(ARTICLES) + 1


def _care_category(store):
    """ "Shoe care", named in four languages and moved to the top of the front page."""
    name, description = CARE[store.default_language if store.default_language in CARE else "en"]
    care = categories.add_category(store=store, name=name, description=description)
    for language, (name, description) in CARE.items():
        categories.save_category_text(category=care, language=language, name=name, description=description)
    for _step in range(care.position):
        categories.move_category(category=care, up=True)
    return care


def _write(store, slug, category, position, texts):
    article = services.save_article(
        store=store, fields={"slug": slug, "category": category, "position": position, "published": "on"}
    )
    for language, (title, body) in texts.items():
        services.save_text(article=article, language=language, title=title, body=body)
