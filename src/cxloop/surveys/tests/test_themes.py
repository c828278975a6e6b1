"""Recurring themes of comments, per language: phrases several different customers wrote."""

import pytest

from cxloop.surveys.comments import fold_text
from cxloop.surveys.themes import ThemeComment, find_themes, min_customers, normalize_comment, theme_key

ZWNJ = "\u200c"


def by_customers(texts, language, *, first_customer=1):
    """One comment per customer, as (text, language, customer id)."""
    return [ThemeComment(text, language, customer=first_customer + n) for n, text in enumerate(texts)]


def themes_of(comments, **kwargs):
    return {
        group.language: [(t.text, t.customers) for t in group.themes]
        for group in find_themes(comments, **kwargs)
    }


def test_a_comment_repeated_by_one_customer_is_no_theme():
    comments = [ThemeComment("Left a note in the parcel", "en", customer=7) for _ in range(5)]

    assert themes_of(comments) == {"en": []}


def test_anonymous_comments_count_one_customer_each():
    comments = [ThemeComment("Fast delivery", "en", id=n) for n in range(3)]

    assert themes_of(comments) == {"en": [("fast delivery", 3)]}


@pytest.mark.parametrize(
    ("language", "texts", "theme"),
    [
        ("pl", ["Szybka dostawa, dziękuję!", "Bardzo szybka dostawa.", "szybka dostawa i ładne opakowanie"],
         "szybka dostawa"),
        ("fa", ["ارسال سریع بود، ممنون", "ارسال سريع و بسته‌بندی خوب", "واقعا ارسال سریع"], "ارسال سریع"),
        ("zh-hans", ["物流很快，好评", "物流很快，包装也不错", "这次物流很快！"], "物流很快"),
        ("zh-hant", ["物流很快，包裝很好", "物流很快，會再買", "這次物流很快！"], "物流很快"),
        ("lv", ["Ātra piegāde, paldies!", "Ļoti ātra piegāde.", "atra piegade"], "ātra piegāde"),
    ],
)  # fmt: skip
def test_a_phrase_three_customers_wrote_is_a_theme(language, texts, theme):
    themes = themes_of(by_customers(texts, language))

    assert themes[language][0] == (theme, 3)


def test_traditional_chinese_is_cut_in_its_simplified_form_and_shown_as_written():
    texts = ["包裝很好，出貨速度很快", "包裝很好", "出貨速度很快，還會再買"]

    themes = themes_of(by_customers(texts, "zh-hant"))

    assert themes == {"zh-hant": [("出貨速度很快", 2), ("包裝很好", 2)]}


def test_stop_words_never_open_or_close_a_phrase_nor_stand_alone():
    texts = ["It was the parcel", "it was the parcel", "It was the parcel!", "and it was", "It was"] * 2
    comments = [ThemeComment(text, "en", customer=n) for n, text in enumerate(texts)]

    assert themes_of(comments) == {"en": [("parcel", 6)]}


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        ("pl", ["i to jest", "to jest i", "jest to i", "i jest"]),
        ("fa", ["این بود و", "و این بود", "بود و این", "از این به"]),
        ("zh-hans", ["我的了", "了我的", "我们的", "的了"]),
    ],
)
def test_comments_of_stop_words_only_make_no_theme(language, texts):
    assert themes_of(by_customers(texts * 3, language)) == {language: []}


def test_a_shorter_phrase_used_by_the_same_customers_gives_way_to_the_longer():
    texts = ["Quality of service was superb", "quality of service", "The quality of service!"] * 2
    comments = by_customers(texts, "en") + [ThemeComment("Service", "en", customer=99)]

    themes = themes_of(comments)

    # "quality" and "quality of" go (the same six customers); "service" stays: a seventh wrote it alone
    assert themes == {"en": [("service", 7), ("quality of service", 6), ("service was superb", 2)]}


def test_single_words_need_twice_as_many_customers_as_phrases():
    texts = ["Packaging", "packaging ok", "nice packaging", "Packaging!", "fast delivery", "Fast delivery"]

    themes = themes_of(by_customers(texts, "en"))

    assert themes == {"en": [("packaging", 4), ("fast delivery", 2)]}


def test_counting_ignores_diacritics_and_shows_the_common_spelling():
    texts = ["Świetna jakość", "swietna jakosc", "ŚWIETNA JAKOŚĆ"]

    assert themes_of(by_customers(texts, "pl")) == {"pl": [("świetna jakość", 3)]}


def test_persian_arabic_letters_and_zwnj_are_normalised():
    texts = ["بسته‌بندی عالی بود", "بسته‌بندي عالي", "بسته\u200c\u200cبندی عالی", "بستهبندی عالی"]

    themes = themes_of(by_customers(texts, "fa"))

    assert themes == {"fa": [(f"بسته{ZWNJ}بندی عالی", 4)]}


def test_persian_verbs_stopwordsiso_lacks_are_stop_words():
    texts = ["خرید می کنم", "خرید میکنم", "خرید می‌کنم"]

    assert themes_of(by_customers(texts, "fa")) == {"fa": []}


def test_persian_normalisation_joins_prefixes_and_suffixes_with_zwnj():
    assert normalize_comment("می خواهم كتاب ها را", "fa") == f"می{ZWNJ}خواهم کتاب{ZWNJ}ها را"
    assert normalize_comment(f"{ZWNJ}سلام{ZWNJ} دنیا", "fa") == "سلام دنیا"


def test_each_theme_counts_promoters_and_detractors_by_their_latest_answer():
    comments = [
        ThemeComment("slow delivery", "en", customer=1, band="low", id=10),
        ThemeComment("slow delivery", "en", customer=1, band="high", id=9),  # older, same customer
        ThemeComment("slow delivery", "en", customer=2, band="low", id=8),
        ThemeComment("slow delivery again", "en", customer=3, band="mid", id=7),
        ThemeComment("slow delivery", "en", customer=4, band="high", id=6),
    ]

    [group] = find_themes(comments)

    [theme] = group.themes
    assert (theme.text, theme.customers, theme.low, theme.high) == ("slow delivery", 4, 2, 1)
    assert (theme.low_share, theme.high_share) == (50, 25)
    assert theme.response_ids == (10, 9, 8, 7, 6)


def test_the_threshold_grows_with_the_customers_who_wrote():
    assert [min_customers(n) for n in (1, 19, 20, 600, 601, 2000)] == [2, 2, 3, 3, 4, 10]


def test_languages_with_most_comments_come_first_and_unknown_is_left_out():
    comments = [("great", "en"), ("delivery ok", "en"), ("świetnie", "pl"), ("??", ""), ("delivery", "en")]

    groups = find_themes(ThemeComment(*comment) for comment in comments)

    assert [(group.language, group.comments) for group in groups] == [("en", 3), ("pl", 1)]


def test_search_folding_matches_theme_spellings():
    assert fold_text("ŁÓDŹ Jakość") == "łódź jakość"
    assert fold_text("بسته‌بندي") == fold_text("بستهبندی")
    assert fold_text("كيفيت") == "کیفیت"
    assert theme_key("Łódź JAKOŚĆ Ātra") == "lodz jakosc atra"
