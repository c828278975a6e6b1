"""split_reply finds the customer's new words above quoted history and signatures, in each language."""

import pytest

from cxloop.helpdesk.mail.quotes import split_reply

CASES = {
    "english_gmail_wrapped_header": (
        "Hi, it still has not arrived.\n\n"
        "On Tue, Dec 1, 2026 at 10:12 AM Shop Support <\nsupport@shop.example> wrote:\n\n"
        "> Your parcel is on its way.\n> Kind regards",
        "Hi, it still has not arrived.",
    ),
    "english_apple_mail": (
        "Thanks, that works.\n\nOn 1 Dec 2026, at 10:12, Shop Support <support@shop.example> wrote:\n\n"
        "> Try again",
        "Thanks, that works.",
    ),
    "english_outlook_original_message": (
        "Please cancel it.\n\n-----Original Message-----\nFrom: Shop <support@shop.example>\n"
        "Sent: Tuesday, December 1, 2026 10:12 AM\nTo: Emily\nSubject: Your order",
        "Please cancel it.",
    ),
    "english_outlook_from_block": (
        "Please cancel it.\n\n________________________________\nFrom: Shop Support <support@shop.example>\n"
        "Sent: Tuesday, December 1, 2026 10:12\nTo: Emily Carter\nSubject: RE: Order 1042\n\nHello Emily",
        "Please cancel it.",
    ),
    "english_bold_outlook_web_block": (
        "Yes please.\n\n*From:* Shop <support@shop.example>\n"
        "*Date:* Tuesday, 1 December 2026\n*To:* Emily\n\nHi",
        "Yes please.",
    ),
    "english_signature_dashes": (
        "Where is my parcel?\n\n-- \nEmily Carter\nAcme Ltd, 1 Main St",
        "Where is my parcel?",
    ),
    "english_mobile_signature": ("Where is my parcel?\n\nSent from my iPhone", "Where is my parcel?"),
    "english_outlook_mobile": ("Ok\n\nGet Outlook for Android", "Ok"),
    "polish_gmail": (
        "Dzień dobry, paczka nadal nie dotarła.\n\n"
        "pon., 30 lis 2026 o 10:12 Sklep Zielony Ogród <obsluga@shop.example> napisał(a):\n\n"
        "> Dziękujemy za zamówienie.",
        "Dzień dobry, paczka nadal nie dotarła.",
    ),
    "polish_thunderbird": (
        "Proszę o zwrot pieniędzy.\n\nW dniu 30.11.2026 o 10:12, Sklep pisze:\n> Przesyłka została wysłana.",
        "Proszę o zwrot pieniędzy.",
    ),
    "polish_outlook_block": (
        "Dziękuję, wszystko jasne.\n\nOd: Sklep <obsluga@shop.example>\n"
        "Wysłano: poniedziałek, 30 listopada 2026 10:12\n"
        "Do: Agnieszka Wójcik\nTemat: Zamówienie 1042",
        "Dziękuję, wszystko jasne.",
    ),
    "polish_outlook_separator": (
        "Anuluję zamówienie.\n\n-----Wiadomość oryginalna-----\nOd: Sklep\nWysłano: wtorek",
        "Anuluję zamówienie.",
    ),
    "polish_mobile_signature": ("Czekam na odpowiedź.\n\nWysłane z iPhone'a", "Czekam na odpowiedź."),
    "latvian_gmail": (
        "Labdien! Sūtījums joprojām nav saņemts.\n\n"
        "pirmd., 2026. g. 30. nov., plkst. 10:12 — lietotājs Veikals (<info@shop.example>) rakstīja:\n\n"
        "> Paldies par pasūtījumu!",
        "Labdien! Sūtījums joprojām nav saņemts.",
    ),
    "latvian_outlook_block": (
        "Paldies!\n\nNo: Veikals <info@shop.example>\nNosūtīts: pirmdiena, 2026. gada 30. novembris 10:12\n"
        "Kam: Jānis Bērziņš\nTēma: Pasūtījums 1042",
        "Paldies!",
    ),
    "latvian_mobile_signature": ("Gaidu atbildi.\n\nNosūtīts no mana iPhone", "Gaidu atbildi."),
    "persian_gmail_with_direction_marks": (
        "سلام، هنوز سفارشم نرسیده.\n\n"
        "\u200fدر تاریخ دوشنبه ۳۰ نوامبر ۲۰۲۶، ساعت ۱۰:۱۲ فروشگاه "
        "<\u200esupport@shop.example\u200e> نوشت:\u200f\n\n"
        "> از خرید شما متشکریم",
        "سلام، هنوز سفارشم نرسیده.",
    ),
    "persian_outlook_block": (
        "ممنون.\n\nاز: فروشگاه <support@shop.example>\n"
        "ارسال شده: دوشنبه ۳۰ نوامبر ۲۰۲۶\nبه: مریم\nموضوع: سفارش",
        "ممنون.",
    ),
    "persian_mobile_signature": ("منتظر پاسخ هستم.\n\nارسال شده از iPhone من", "منتظر پاسخ هستم."),
    "chinese_simplified_gmail": (
        "您好，包裹还没到。\n\n在 2026年11月30日周一 10:12，小店客服 <kefu@shop.example> 写道：\n\n"
        "> 感谢您的购买",
        "您好，包裹还没到。",
    ),
    "chinese_qq_mail": (
        "我还没收到包裹。\n\n发自我的iPhone\n\n------------------ 原始邮件 ------------------\n"
        '发件人: "小店客服"<kefu@shop.example>;\n发送时间: 2026年11月30日(星期一) 上午10:12\n'
        '收件人: "王芳"<wangfang@qq.example.cn>;\n主题: 回复：订单1042',
        "我还没收到包裹。",
    ),
    "chinese_simplified_outlook_separator": (
        "请尽快处理。\n\n-----原始邮件-----\n发件人: 小店客服\n发送时间: 2026年11月30日 10:12\n主题: 订单",
        "请尽快处理。",
    ),
    "chinese_simplified_from_block_without_separator": (
        "好的，谢谢。\n\n发件人: 小店客服 <kefu@shop.example>\n发送时间: 2026年11月30日 10:12\n收件人: 王芳",
        "好的，谢谢。",
    ),
    "chinese_traditional_gmail": (
        "您好，包裹還沒收到。\n\n於 2026年11月30日 週一 上午10:12，商店客服 <service@shop.example> 寫道：\n\n"
        "> 感謝您的訂購",
        "您好，包裹還沒收到。",
    ),
    "chinese_traditional_outlook": (
        "謝謝。\n\n-----原始郵件-----\n寄件者: 商店客服\n寄件日期: 2026年11月30日 10:12\n"
        "收件者: 陳大文\n主旨: 訂單",
        "謝謝。",
    ),
    "chinese_mobile_signature": ("请帮我查一下。\n\n发自我的iPhone", "请帮我查一下。"),
    "german_thunderbird": (
        "Danke, erledigt.\n\nAm 30.11.2026 um 10:12 schrieb Shop <support@shop.example>:\n> Hallo",
        "Danke, erledigt.",
    ),
    "german_outlook": (
        "Bitte stornieren.\n\nVon: Shop <support@shop.example>\nGesendet: Montag, 30. November 2026 10:12\n"
        "An: Hans\nBetreff: Bestellung",
        "Bitte stornieren.",
    ),
    "english_outlook_block_on_one_line": (
        "Refund please.\n\nFrom: Shop [mailto:support@shop.example] Sent: Tuesday, December 1, 2026 10:12 AM "
        "To: Emily Subject: Order\n\nHello Emily",
        "Refund please.",
    ),
    "trailing_quote_block_without_header": (
        "Yes, the blue one.\n\n> Which colour would you like?\n> Red or blue?",
        "Yes, the blue one.",
    ),
}


@pytest.mark.parametrize(("text", "reply"), CASES.values(), ids=CASES.keys())
def test_reply_is_the_text_above_history_and_signature(text, reply):
    new, history = split_reply(text)

    assert new == reply
    assert history
    assert text.startswith(new)


def test_inline_answers_between_quotes_stay_in_the_reply():
    text = "> Which size?\nM, please.\n> Which colour?\nBlue.\n\nThanks, Emily"

    assert split_reply(text) == (text, "")


def test_mail_that_is_all_quotes_keeps_its_whole_text():
    text = "> Your order has shipped.\n> Tracking: 123"

    assert split_reply(text) == (text, "")


def test_forward_without_any_words_keeps_its_whole_text():
    text = (
        "---------- Forwarded message ---------\nFrom: Courier <noreply@courier.example>\n"
        "Date: Mon\n\nDelivered"
    )

    assert split_reply(text) == (text, "")


def test_text_without_history_is_all_reply():
    assert split_reply("Where is my order 1042?\nThanks") == ("Where is my order 1042?\nThanks", "")


def test_words_that_look_like_labels_inside_the_reply_are_kept():
    text = "From: my side everything is fine.\nI just need the invoice.\nNo: I don't want a refund."

    assert split_reply(text) == (text, "")


def test_lines_that_merely_start_like_a_mobile_signature_are_kept():
    text = "Sent via DPD on Monday.\nSent from my office, the parcel number is 123.\nPlease check."

    assert split_reply(text) == (text, "")


def test_empty_text_gives_empty_parts():
    assert split_reply("") == ("", "")
