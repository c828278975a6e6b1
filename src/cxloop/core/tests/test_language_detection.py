"""The language a customer wrote in, detected from real sentences of the shipped languages; Simplified
and Traditional Chinese told apart by their characters."""

import pytest

from cxloop.core.language_detection import detect_language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Delivery was fast and the packaging was great.", "en"),
        ("The shirt was too small, I had to send it back.", "en"),
        ("Product arrived damaged", "en"),
        ("Dostawa była szybka, a opakowanie świetne.", "pl"),
        ("Koszula była za mała, musiałam ją zwrócić.", "pl"),
        ("dzięki", "pl"),
        ("Paczka przyszła uszkodzona", "pl"),
        ("Piegāde bija ātra un iepakojums lielisks.", "lv"),
        ("Krekls bija par mazu, man nācās to atgriezt.", "lv"),
        ("paldies", "lv"),
        ("Ļoti laba klientu apkalpošana!", "lv"),
        ("ارسال سریع بود و بسته‌بندی عالی بود.", "fa"),
        ("پیراهن کوچک بود و مجبور شدم پس بدهم.", "fa"),
        ("ممنون", "fa"),
        ("كيفيت خوب بود", "fa"),  # written with Arabic kaf and ye
        ("物流很快，包装很好。", "zh-hans"),
        ("衬衫太小了，我只好退货。", "zh-hans"),
        ("好", "zh-hans"),
        ("物流很快，包裝很好。", "zh-hant"),
        ("شكرا جزيلا", "ar"),
        ("Pristatymas buvo greitas, o pakuotė puiki.", "lt"),
    ],
)
def test_comment_language_is_detected(text, language):
    assert detect_language(text) == language


@pytest.mark.parametrize(
    "text", ["", "   ", "10/10 !!!", "👍👍", "ok thanks", "Polecam!", "Iesaku šo veikalu", "As described"]
)
def test_unsure_or_wordless_comments_have_no_language(text):
    assert detect_language(text) == ""


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("质量很好，发货也快，下次还来。", "zh-hans"),
        ("物流很快，包装很好。", "zh-hans"),
        ("客服有点啰嗦，不过问题解决了。", "zh-hans"),  # 啰 is outside GB2312 but Simplified
        ("快递员很负责，还打电话确认，赞👍", "zh-hans"),
        ("出貨很快，包裝也很用心，下次還會再買！", "zh-hant"),  # Taiwan
        ("客服回覆很慢，等了三天才處理。", "zh-hant"),
        ("啲衫好靚，送貨好快。", "zh-hant"),  # Hong Kong, in Cantonese
        ("包裝很精美，但是运费太贵了。", "zh-hans"),  # mostly Simplified, one Traditional slip
    ],
)
def test_chinese_comments_are_told_simplified_or_traditional(text, language):
    assert detect_language(text) == language


@pytest.mark.parametrize("text", ["衣服太小了", "好", "物流很快", "這件衣服太小了，我只好退货。"])
def test_chinese_either_script_could_write_takes_the_page_language(text):
    assert detect_language(text, hint="zh-hant") == "zh-hant"
    assert detect_language(text, hint="zh-hans") == "zh-hans"
    assert detect_language(text, hint="en") == "zh-hans"
    assert detect_language(text) == "zh-hans"


def test_the_page_language_does_not_override_clear_characters():
    assert detect_language("包装很好", hint="zh-hant") == "zh-hans"
    assert detect_language("包裝很好", hint="zh-hans") == "zh-hant"
