"""Recurring themes of comments, per language, from small multilingual corpora."""

from cxloop.surveys.comments import fold_text
from cxloop.surveys.themes import find_themes, normalize_comment

ZWNJ = "\u200c"


def themes_of(comments, **kwargs):
    return {
        group.language: [(t.text, t.comments) for t in group.themes]
        for group in find_themes(comments, **kwargs)
    }


def test_chinese_comments_are_cut_into_words():
    comments = [
        ("物流很快，包装很好。", "zh-hans"),
        ("物流太慢了，包装破损", "zh-hans"),
        ("质量不错，包装很好，下次还会买", "zh-hans"),
        ("发货速度快，物流给力", "zh-hans"),
    ]

    themes = themes_of(comments)

    assert themes == {"zh-hans": [("包装", 3), ("物流", 3)]}


def test_english_words_and_phrases_ranked_by_comments_without_stop_words():
    comments = [
        ("Delivery was fast and the packaging was great", "en"),
        ("Fast delivery, great packaging!", "en"),
        ("fast delivery but the shirt was too small", "en"),
        ("The shirt was too small.", "en"),
        ("Slow delivery.", "en"),
    ]

    themes = themes_of(comments)["en"]

    assert themes[:3] == [("delivery", 4), ("fast", 3), ("fast delivery", 2)]
    assert ("shirt", 2) in themes
    assert not {"the", "was", "and", "but", "too"} & {text for text, _ in themes}


def test_a_word_mentioned_once_is_no_theme():
    assert themes_of([("Wonderful scarf", "en"), ("Lovely colours", "en")]) == {"en": []}


def test_polish_and_latvian_keep_their_diacritics():
    comments = [
        ("Szybka dostawa, świetna JAKOŚĆ", "pl"),
        ("Szybka dostawa i dobra jakość produktu", "pl"),
        ("Ātra piegāde, lieliska kvalitāte", "lv"),
        ("ātra piegāde", "lv"),
        ("Kvalitāte laba", "lv"),
    ]

    themes = themes_of(comments)

    assert themes["pl"] == [("szybka dostawa", 2), ("jakość", 2)]
    assert themes["lv"] == [("ātra piegāde", 2), ("kvalitāte", 2)]


def test_persian_arabic_letters_and_zwnj_are_normalised():
    comments = [
        ("بسته‌بندی عالی بود", "fa"),  # Persian ye, with ZWNJ
        ("بسته‌بندي عالي", "fa"),  # Arabic ye
        ("كيفيت بسته\u200c\u200cبندی", "fa"),  # Arabic kaf, doubled ZWNJ
        ("می خواهم دوباره بخرم", "fa"),
        ("می‌خواهم دوباره بخرم", "fa"),
    ]

    themes = dict(themes_of(comments)["fa"])

    assert themes[f"بسته{ZWNJ}بندی"] == 3
    assert themes[f"بسته{ZWNJ}بندی عالی"] == 2
    assert "عالی" not in themes  # no comment says it outside the phrase
    assert themes[f"می{ZWNJ}خواهم"] == 2


def test_persian_normalisation_joins_prefixes_and_suffixes_with_zwnj():
    assert normalize_comment("می خواهم كتاب ها را", "fa") == f"می{ZWNJ}خواهم کتاب{ZWNJ}ها را"
    assert normalize_comment(f"{ZWNJ}سلام{ZWNJ} دنیا", "fa") == "سلام دنیا"


def test_languages_with_most_comments_come_first_and_unknown_is_left_out():
    comments = [("great", "en"), ("delivery ok", "en"), ("świetnie", "pl"), ("??", ""), ("delivery", "en")]

    groups = find_themes(comments)

    assert [(group.language, group.comments) for group in groups] == [("en", 3), ("pl", 1)]


def test_search_folding_matches_theme_spellings():
    assert fold_text("ŁÓDŹ Jakość") == "łódź jakość"
    assert fold_text("بسته‌بندي") == fold_text("بستهبندی")
    assert fold_text("كيفيت") == "کیفیت"
