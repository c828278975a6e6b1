"""The language of a comment, detected from real sentences of the shipped languages."""

import pytest

from cxloop.surveys.language import detect_comment_language


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
    assert detect_comment_language(text) == language


@pytest.mark.parametrize(
    "text", ["", "   ", "10/10 !!!", "👍👍", "ok thanks", "Polecam!", "Iesaku šo veikalu", "As described"]
)
def test_unsure_or_wordless_comments_have_no_language(text):
    assert detect_comment_language(text) == ""
