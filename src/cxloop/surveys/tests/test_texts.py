import pytest

from cxloop.surveys import services
from cxloop.surveys.texts import EDITABLE_FIELDS, build_texts, pick_language

from .factories import make_survey

SHIPPED = ["pl", "lv", "fa", "zh-hans", "zh-hant"]


@pytest.mark.parametrize("kind", ["nps", "csat", "ces"])
@pytest.mark.parametrize("language", SHIPPED)
def test_every_default_text_ships_translated(store, kind, language):
    survey = make_survey(store, kind=kind)
    english = build_texts(survey, "en")
    translated = build_texts(survey, language)
    for field in EDITABLE_FIELDS:
        assert getattr(translated, field), field
        assert getattr(translated, field) != getattr(english, field), field
    assert store.name in translated.question


def test_persian_texts_are_right_to_left_and_others_are_not(store):
    survey = make_survey(store)
    assert build_texts(survey, "fa").rtl is True
    assert [build_texts(survey, lang).rtl for lang in ("en", "pl", "lv", "zh-hans", "zh-hant")] == [False] * 5


def test_owner_text_wins_and_missing_fields_fall_back_to_the_shipped_translation(store):
    survey = make_survey(store)
    services.update_survey(survey=survey, texts={"pl": {"question": "Czy polecisz nas?"}})
    texts = build_texts(survey, "pl")
    assert texts.question == "Czy polecisz nas?"
    assert texts.thank_you == "Dziękujemy za opinię!"


@pytest.mark.parametrize(
    ("customer_language", "expected"),
    [
        ("pl-PL", "pl"),
        ("zh_CN", "zh-hans"),
        ("zh-TW", "zh-hant"),
        ("zh-HK", "zh-hant"),
        ("FA", "fa"),
        ("de", "pl"),
        ("", "pl"),
    ],
)
def test_the_customer_language_picks_the_version_else_the_store_language(store, customer_language, expected):
    store.default_language = "pl"
    survey = make_survey(store)
    assert pick_language(survey, customer_language) == expected


def test_simplified_and_traditional_chinese_texts_are_each_in_their_own_script(store):
    # given
    survey = make_survey(store, kind="nps")
    # when
    simplified, traditional = build_texts(survey, "zh-hans"), build_texts(survey, "zh-hant")
    # then
    assert simplified.thank_you == "感谢您的反馈！"
    assert traditional.thank_you == "感謝您的回饋！"
    assert traditional.question == f"您有多大可能向朋友或同事推薦 {store.name}？"
    assert traditional.email_subject == f"{store.name} 期待您的回饋"
    assert traditional.scale_low_label == "完全不可能"
