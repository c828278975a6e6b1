import pytest

from cxloop.core.languages import normalize_language


@pytest.mark.parametrize(
    ("tag", "stored"),
    [
        # Traditional: Taiwan, Hong Kong, Macau, and any tag naming the script
        ("zh-TW", "zh-hant"),
        ("zh_TW", "zh-hant"),
        ("zh-HK", "zh-hant"),
        ("zh-MO", "zh-hant"),
        ("zh-Hant", "zh-hant"),
        ("zh-Hant-TW", "zh-hant"),
        ("zh_Hant_HK", "zh-hant"),
        ("zh-hant-cn", "zh-hant"),
        (" ZH-TW ", "zh-hant"),
        # Simplified: mainland China, Singapore, bare zh, any tag naming the script
        ("zh", "zh-hans"),
        ("zh-CN", "zh-hans"),
        ("zh_CN", "zh-hans"),
        ("zh-SG", "zh-hans"),
        ("zh-Hans", "zh-hans"),
        ("zh-Hans-CN", "zh-hans"),
        ("zh-Hans-HK", "zh-hans"),
        ("zh-MY", "zh-hans"),
        # other languages: lower case with dashes, nothing else
        ("pl_PL", "pl-pl"),
        ("FA", "fa"),
        ("", ""),
        ("zu", "zu"),
    ],
)
def test_a_language_tag_is_stored_with_chinese_by_script(tag, stored):
    assert normalize_language(tag) == stored
