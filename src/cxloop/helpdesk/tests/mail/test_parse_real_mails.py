"""Whole replies as mail clients send them, read end to end."""

import base64
import quopri

from cxloop.helpdesk.mail.parse import parse_email


def test_chinese_foxmail_reply_in_gbk_with_quoted_history_and_attachment():
    # given: GBK text labelled gb2312, a QQ-mail history block and a photo named in Chinese
    text = (
        "您好：\r\n\r\n包裹外箱破损，里面的电热水壶也摔坏了，照片见附件。请尽快处理，谢谢！\r\n\r\n王喆\r\n\r\n"
        "------------------ 原始邮件 ------------------\r\n"
        '发件人: "小店客服"<kefu@shop.example>;\r\n发送时间: 2026年12月1日(星期二) 上午10:12\r\n'
        '收件人: "王喆"<wangzhe@qq.example.cn>;\r\n主题: 订单1042已发货\r\n\r\n您的订单已发货。'
    )
    raw = (
        b"From: =?gb2312?B?" + base64.b64encode("王喆".encode("gbk")) + b"?= <WangZhe@QQ.example.cn>\r\n"
        b"To: kefu@shop.example\r\n"
        b"Subject: =?gb2312?B?" + base64.b64encode("回复：订单1042已发货".encode("gbk")) + b"?=\r\n"
        b"Date: Wed, 2 Dec 2026 09:30:11 +0800\r\n"
        b"Message-ID: <tencent_ABC123@qq.example.cn>\r\n"
        b"In-Reply-To: <ticket-1042.1@shop.example>\r\n"
        b"References: <ticket-1042.1@shop.example>\r\n"
        b"X-Mailer: Foxmail 7.2\r\n"
        b"Mime-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="----=_NextPart_1"\r\n\r\n'
        b"------=_NextPart_1\r\n"
        b"Content-Type: text/plain; charset=gb2312\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(text.encode("gbk"))
        + b"\r\n------=_NextPart_1\r\n"
        b'Content-Type: image/jpeg; name="=?gb2312?B?'
        + base64.b64encode("破损照片.jpg".encode("gbk"))
        + b'?="\r\n'
        b'Content-Disposition: attachment; filename="=?gb2312?B?'
        + base64.b64encode("破损照片.jpg".encode("gbk"))
        + b'?="\r\nContent-Transfer-Encoding: base64\r\n\r\n/9j/4AAQSkZJRgABAQ==\r\n'
        b"------=_NextPart_1--\r\n"
    )

    # when
    mail = parse_email(raw)

    # then
    assert (mail.from_name, mail.from_email) == ("王喆", "wangzhe@qq.example.cn")
    assert mail.subject == "回复：订单1042已发货"
    assert mail.in_reply_to == ["<ticket-1042.1@shop.example>"]
    assert mail.reply_text == (
        "您好：\n\n包裹外箱破损，里面的电热水壶也摔坏了，照片见附件。请尽快处理，谢谢！\n\n王喆"
    )
    assert [(a.filename, a.content_type, a.content[:2]) for a in mail.attachments] == [
        ("破损照片.jpg", "image/jpeg", b"\xff\xd8")
    ]
    assert mail.headers["X-Mailer"] == "Foxmail 7.2"
    assert mail.problems == []


def test_persian_gmail_reply_with_html_only_quote():
    # given: Gmail's multipart/alternative reply, right to left, with the history in a blockquote
    plain = (
        "سلام،\r\nبسته هنوز نرسیده. لطفاً کد رهگیری را بفرستید.\r\n\r\n"
        "\u200fدر تاریخ سه‌شنبه ۱ دسامبر ۲۰۲۶، ساعت ۱۰:۱۲ فروشگاه <support@shop.example> نوشت:\u200f\r\n\r\n"
        "> سفارش شما ارسال شد.\r\n"
    )
    html = (
        '<div dir="rtl">سلام،<br>بسته هنوز نرسیده. لطفاً کد رهگیری را بفرستید.</div><br>'
        '<div class="gmail_quote"><div dir="rtl" class="gmail_attr">در تاریخ سه‌شنبه ۱ دسامبر ۲۰۲۶، '
        "ساعت ۱۰:۱۲ فروشگاه &lt;support@shop.example&gt; نوشت:<br></div>"
        '<blockquote class="gmail_quote" '
        'style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204)">'
        '<div dir="rtl">سفارش شما ارسال شد.<img src="https://shop.example/open.gif"></div></blockquote></div>'
    )
    raw = (
        "From: =?UTF-8?B?"
        + base64.b64encode("مریم احمدی".encode()).decode()
        + "?= <maryam@mail.example.ir>\r\n"
        "To: support@shop.example\r\n"
        "Subject: =?UTF-8?B?" + base64.b64encode("Re: سفارش ۱۰۴۲".encode()).decode() + "?=\r\n"
        "Message-ID: <CAF=abc@mail.gmail.example>\r\n"
        "In-Reply-To: <ticket-1042.2@shop.example>\r\n"
        'Content-Type: multipart/alternative; boundary="000000000000a1b2"\r\n\r\n'
        '--000000000000a1b2\r\nContent-Type: text/plain; charset="UTF-8"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(plain.encode()).decode()
        + '\r\n--000000000000a1b2\r\nContent-Type: text/html; charset="UTF-8"\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        + quopri.encodestring(html.encode()).decode()
        + "\r\n--000000000000a1b2--\r\n"
    ).encode()

    # when
    mail = parse_email(raw)

    # then
    assert mail.subject == "Re: سفارش ۱۰۴۲"
    assert mail.from_name == "مریم احمدی"
    assert mail.reply_text == "سلام،\nبسته هنوز نرسیده. لطفاً کد رهگیری را بفرستید."
    assert 'data-remote-src="https://shop.example/open.gif"' in mail.html
    assert " src=" not in mail.html
    assert '<div dir="rtl">' in mail.html


def test_polish_outlook_reply_in_windows_1250_quoted_printable():
    # given
    text = (
        "Dzień dobry,\r\n\r\nproszę o wymianę butów na rozmiar 42. Zwrot wyślę kurierem.\r\n\r\n"
        "Z poważaniem\r\nPaweł Gałązka\r\n\r\n"
        "-----Wiadomość oryginalna-----\r\nOd: Sklep Zielony Ogród <obsluga@shop.example>\r\n"
        "Wysłano: poniedziałek, 30 listopada 2026 14:02\r\nDo: Paweł Gałązka\r\n"
        "Temat: Zamówienie 1042 zostało wysłane\r\n\r\nDziękujemy za zakupy!"
    )
    raw = (
        b"From: =?windows-1250?Q?Pawe=B3_Ga=B3=B9zka?= <pawel.galazka@poczta.example.pl>\r\n"
        b"To: <obsluga@shop.example>\r\n"
        b"Subject: =?windows-1250?Q?Odp:_Zam=F3wienie_1042_zosta=B3o_wys=B3ane?=\r\n"
        b"Date: Tue, 1 Dec 2026 08:15:00 +0100\r\n"
        b"Message-ID: <000001d9$2c3b$@poczta.example.pl>\r\n"
        b"Thread-Index: AdknzP4vX1\r\n"
        b'Content-Type: text/plain; charset="windows-1250"\r\n'
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n" + quopri.encodestring(text.encode("cp1250"))
    )

    # when
    mail = parse_email(raw)

    # then
    assert (mail.from_name, mail.subject) == ("Paweł Gałązka", "Odp: Zamówienie 1042 zostało wysłane")
    assert mail.reply_text == (
        "Dzień dobry,\n\nproszę o wymianę butów na rozmiar 42. Zwrot wyślę kurierem.\n\n"
        "Z poważaniem\nPaweł Gałązka"
    )
    assert mail.message_id == "<000001d9$2c3b$@poczta.example.pl>"
    assert mail.date.isoformat() == "2026-12-01T08:15:00+01:00"
