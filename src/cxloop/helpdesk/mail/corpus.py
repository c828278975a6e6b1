"""A realistic, multilingual set of inbound support mails, as raw bytes, the same for a given seed.

Each mail is what a store's support address receives: a question in Polish,
Latvian, Persian, Chinese (Simplified and Traditional), Japanese, Russian or
English, in the charsets those mail clients send (ISO-8859-2, windows-1250,
windows-1257, GB2312 holding GBK characters, Big5, ISO-2022-JP, KOI8-R,
UTF-8), with encoded-word subjects and names. Some are plain text, some
multipart/alternative with HTML, some carry a small attachment with a
non-ASCII file name, some answer an earlier mail from the store (In-Reply-To,
References, and the quoted history under the reply):

    >>> mails = build_corpus(200, seed=7)
    >>> len(mails), mails == build_corpus(200, seed=7)
    (200, True)

It feeds ``cxloop bench helpdesk`` and the parser's tests.
"""

import base64
import html
import quopri
import random
from datetime import UTC, datetime, timedelta

# One profile per language: charsets its clients use, names, and the words of a support mail.
PROFILES = {
    "pl": {
        "charsets": ("iso-8859-2", "windows-1250", "utf-8"),
        "names": ("Agnieszka Wójcik", "Łukasz Żak", "Małgorzata Dąbrowska", "Paweł Gałązka"),
        "domain": "poczta.example.pl",
        "subjects": ("Zamówienie nr {n} - gdzie jest paczka?", "Zwrot towaru z zamówienia {n}", "Reklamacja"),
        "products": ("czajnik elektryczny", "zestaw pościeli", "buty trekkingowe"),
        "body": "Dzień dobry,\n\nzamówiłam {product} {days} dni temu i paczka wciąż nie dotarła. "
        "Numer zamówienia: {n}.\nCzy mogą Państwo sprawdzić, co się dzieje?\n\nPozdrawiam,\n{name}",
        "reply_prefix": "Odp: ",
        "quote_header": "W dniu {date} o 10:12, Sklep Zielony Ogród <obsluga@shop.example> pisze:",
        "signature": "Wysłane z iPhone'a",
        "filename": "zdjęcie_paczki.jpg",
    },
    "lv": {
        "charsets": ("windows-1257", "iso-8859-13", "utf-8"),
        "names": ("Jānis Bērziņš", "Līga Ozoliņa", "Kārlis Kalniņš", "Ilze Šķēle"),
        "domain": "inbox.example.lv",
        "subjects": ("Pasūtījums Nr. {n}: kur ir mans sūtījums?", "Preces atgriešana", "Bojāta prece"),
        "products": ("elektrisko tējkannu", "gultas veļas komplektu", "pārgājienu zābakus"),
        "body": "Labdien!\n\nPirms {days} dienām pasūtīju {product}, bet sūtījums vēl nav saņemts. "
        "Pasūtījuma numurs: {n}.\nLūdzu, pārbaudiet, kas noticis.\n\nAr cieņu,\n{name}",
        "reply_prefix": "Re: ",
        "quote_header": "{date}, plkst. 10:12 lietotājs Veikals (<info@shop.example>) rakstīja:",
        "signature": "Nosūtīts no mana iPhone",
        "filename": "čeks_pasūtījums.pdf",
    },
    "fa": {
        "charsets": ("utf-8",),
        "names": ("علی رضایی", "مریم احمدی", "سارا کریمی"),
        "domain": "mail.example.ir",
        "subjects": ("سفارش {n} هنوز نرسیده است", "درخواست مرجوعی کالا", "کالای آسیب‌دیده"),
        "products": ("کتری برقی", "ست روتختی", "کفش کوهنوردی"),
        "body": "سلام،\n\n{days} روز پیش {product} سفارش دادم ولی هنوز به دستم نرسیده. "
        "شماره سفارش: {n}.\nلطفاً بررسی کنید.\n\nبا تشکر،\n{name}",
        "reply_prefix": "RE: ",
        "quote_header": "در تاریخ {date}، ساعت ۱۰:۱۲ فروشگاه <support@shop.example> نوشت:",
        "signature": "ارسال شده از iPhone من",
        "filename": "رسید خرید.pdf",
    },
    "zh-hans": {
        "charsets": ("gb2312", "gbk", "utf-8"),
        # 喆 is GBK, not GB2312: senders label GBK text "gb2312" all the time.
        "names": ("张伟", "王芳", "李娜", "王喆"),
        "domain": "qq.example.cn",
        "subjects": ("订单{n}还没有收到", "申请退货退款", "商品有质量问题"),
        "products": ("电热水壶", "四件套床品", "登山鞋"),
        "body": "您好：\n\n我{days}天前买了{product}，到现在还没收到快递。订单号：{n}。\n"
        "麻烦帮我查一下物流，谢谢！\n\n{name}",
        "reply_prefix": "回复：",
        "quote_header": "在 {date} 10:12，小店客服 <kefu@shop.example> 写道：",
        "signature": "发自我的iPhone",
        "filename": "快递单.png",
    },
    "zh-hant": {
        "charsets": ("big5", "utf-8"),
        "names": ("陳大文", "林美玲", "黃志明"),
        "domain": "mail.example.tw",
        "subjects": ("訂單{n}尚未收到", "申請退貨", "商品瑕疵"),
        "products": ("電熱水壺", "床包組", "登山鞋"),
        "body": "您好：\n\n我{days}天前訂購了{product}，到現在還沒收到包裹。訂單編號：{n}。\n"
        "麻煩幫我查詢一下物流，謝謝！\n\n{name}",
        "reply_prefix": "回覆：",
        "quote_header": "於 {date} 上午10:12，商店客服 <service@shop.example> 寫道：",
        "signature": "寄自我的 iPhone",
        "filename": "收據.pdf",
    },
    "ja": {
        "charsets": ("iso-2022-jp",),
        "names": ("佐藤 花子", "鈴木 一郎", "高橋 健"),
        "domain": "mail.example.jp",
        "subjects": ("注文番号{n}の配送について", "返品のお願い", "商品の不具合について"),
        "products": ("電気ケトル", "寝具セット", "登山靴"),
        "body": "お世話になっております。\n\n{days}日前に{product}を注文しましたが、まだ届いておりません。\n"
        "注文番号：{n}\nご確認いただけますでしょうか。\n\nよろしくお願いいたします。\n{name}",
        "reply_prefix": "Re: ",
        "quote_header": "On {date} 10:12, ショップ <support@shop.example> wrote:",
        "signature": "iPhoneから送信",
        "filename": "領収書.pdf",
    },
    "ru": {
        "charsets": ("koi8-r", "utf-8"),
        "names": ("Иван Петров", "Анна Смирнова"),
        "domain": "mail.example.ru",
        "subjects": ("Заказ {n} не пришёл", "Возврат товара", "Брак товара"),
        "products": ("электрочайник", "комплект белья", "треккинговые ботинки"),
        "body": "Здравствуйте!\n\nЯ заказал {product} {days} дней назад, но посылка так и не пришла. "
        "Номер заказа: {n}.\nПроверьте, пожалуйста.\n\nС уважением,\n{name}",
        "reply_prefix": "Re: ",
        "quote_header": "{date}, в 10:12, Магазин <shop@shop.example> написал(а):",
        "signature": "Отправлено с iPhone",
        "filename": "чек.pdf",
    },
    "en": {
        "charsets": ("us-ascii", "utf-8"),
        "names": ("Emily Carter", "James O'Neil", "Priya Patel"),
        "domain": "mail.example.com",
        "subjects": ("Where is my order #{n}?", "Return request for order {n}", "Damaged item"),
        "products": ("electric kettle", "bedding set", "hiking boots"),
        "body": "Hi,\n\nI ordered the {product} {days} days ago and it still hasn't arrived. "
        "Order number: {n}.\nCould you check what is going on?\n\nThanks,\n{name}",
        "reply_prefix": "Re: ",
        "quote_header": "On {date} at 10:12, Shop Support <support@shop.example> wrote:",
        "signature": "Sent from my iPhone",
        "filename": "parcel photo.jpg",
    },
}
FORMS = ("plain", "alternative", "quoted", "attachment", "reply")
SUPPORT_ADDRESS = "support@shop.example"
START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
# A real 1x1 PNG: small attachments are real files, not placeholders.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n%%EOF\n"
)


def build_corpus(n: int, seed: int) -> list[bytes]:
    """`n` raw inbound support mails; the same seed always gives the same bytes."""
    rng = random.Random(seed)
    return [_build_mail(rng, seed, index) for index in range(n)]


def _build_mail(rng: random.Random, seed: int, index: int) -> bytes:
    language = rng.choice(sorted(PROFILES))
    profile = PROFILES[language]
    charset = rng.choice(profile["charsets"])
    form = rng.choice(FORMS)
    name = rng.choice(profile["names"])
    order = rng.randint(1000, 99999)
    sent = START + timedelta(minutes=7 * index + rng.randint(0, 6))
    text = profile["body"].format(
        product=rng.choice(profile["products"]), days=rng.randint(2, 14), n=order, name=name
    )
    subject = rng.choice(profile["subjects"]).format(n=order)
    headers = [
        f"From: {_encoded_word(name, charset, rng)} <{_mailbox(name, index)}@{profile['domain']}>",
        f"To: {SUPPORT_ADDRESS}",
        f"Date: {sent.strftime('%a, %d %b %Y %H:%M:%S +0000')}",
        f"Message-ID: <{seed}.{index}.{rng.getrandbits(32):08x}@{profile['domain']}>",
    ]
    history = ""
    if form in ("quoted", "reply"):
        earlier = f"<reply-{rng.randint(1, 5000)}@shop.example>"
        headers += [f"In-Reply-To: {earlier}", f"References: <ticket-{order}@shop.example> {earlier}"]
        subject = profile["reply_prefix"] + subject
        history = _history(profile, sent - timedelta(days=1), text)
        text = "\n".join(text.split("\n")[:3]) + "\n\n" + profile["signature"]
    headers += [f"Subject: {_encoded_word(subject, charset, rng)}", "MIME-Version: 1.0"]
    plain = text + ("\n\n" + history if history else "")
    if form == "alternative" or (form == "reply" and rng.random() < 0.5):
        body = _alternative(plain, text, history, charset, rng)
    elif form == "attachment":
        body = _with_attachment(plain, charset, profile["filename"], rng)
    else:
        body = _text_part("plain", plain, charset, rng)
    return ("\r\n".join(headers) + "\r\n" + body).encode("ascii")


def _history(profile: dict, date: datetime, question: str) -> str:
    quoted = "\n".join(f"> {line}" if line else ">" for line in question.split("\n")[:4])
    header = profile["quote_header"].format(date=date.strftime("%Y-%m-%d"))
    return f"{header}\n{quoted}"


def _mailbox(name: str, index: int) -> str:
    ascii_part = "".join(ch for ch in name.lower() if "a" <= ch <= "z")
    return f"{ascii_part or 'customer'}{index}"


def _codec(charset: str) -> str:
    return "gb18030" if charset in ("gb2312", "gbk") else charset


def _encoded_word(text: str, charset: str, rng: random.Random) -> str:
    """The text as RFC 2047 encoded words of at most 75 characters, split on character boundaries."""
    if text.isascii():
        return text
    if charset in ("us-ascii",):
        charset = "utf-8"
    words = []
    for start in range(0, len(text), 10):
        data = text[start : start + 10].encode(_codec(charset))
        if rng.random() < 0.5 and charset != "iso-2022-jp":
            encoded = "".join(chr(b) if 48 <= b < 123 and chr(b).isalnum() else f"={b:02X}" for b in data)
            words.append(f"=?{charset}?Q?{encoded}?=")
        else:
            words.append(f"=?{charset}?B?{base64.b64encode(data).decode()}?=")
    return "\r\n ".join(words)


def _text_part(subtype: str, text: str, charset: str, rng: random.Random) -> str:
    data = text.replace("\n", "\r\n").encode(_codec(charset))
    label = "utf-8" if charset == "us-ascii" and not text.isascii() else charset
    head = f"Content-Type: text/{subtype}; charset={label}\r\n"
    if charset in ("iso-2022-jp",) or data.isascii():
        return head + "Content-Transfer-Encoding: 7bit\r\n\r\n" + data.decode("ascii") + "\r\n"
    if rng.random() < 0.5:
        lines = base64.encodebytes(data).decode().replace("\n", "\r\n")
        return head + "Content-Transfer-Encoding: base64\r\n\r\n" + lines
    return head + "Content-Transfer-Encoding: quoted-printable\r\n\r\n" + _quoted_printable(data) + "\r\n"


def _quoted_printable(data: bytes) -> str:
    return quopri.encodestring(data).decode("ascii").replace("\r\n", "\n").replace("\n", "\r\n")


def _alternative(plain: str, reply: str, history: str, charset: str, rng: random.Random) -> str:
    paragraphs = "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in reply.split("\n\n"))
    if history:
        header, _, quoted = history.partition("\n")
        lines = "<br>".join(html.escape(line.lstrip("> ").rstrip(">")) for line in quoted.split("\n"))
        paragraphs += (
            f'<div class="gmail_quote"><div>{html.escape(header)}</div><blockquote>{lines}</blockquote></div>'
        )
    page = f'<html><head><meta charset="{charset}"></head><body dir="auto">{paragraphs}</body></html>'
    boundary = f"alt-{rng.getrandbits(48):012x}"
    return (
        f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'
        f"--{boundary}\r\n{_text_part('plain', plain, charset, rng)}"
        f"--{boundary}\r\n{_text_part('html', page, charset, rng)}"
        f"--{boundary}--\r\n"
    )


def _with_attachment(plain: str, charset: str, filename: str, rng: random.Random) -> str:
    boundary = f"mix-{rng.getrandbits(48):012x}"
    content_type, content = (
        ("image/png", PNG) if filename.endswith((".png", ".jpg")) else ("application/pdf", PDF)
    )
    quoted = "".join(ch if ch.isascii() and ch.isalnum() or ch in "._-" else _percent(ch) for ch in filename)
    data = base64.encodebytes(content).decode().replace("\n", "\r\n")
    return (
        f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'
        f"--{boundary}\r\n{_text_part('plain', plain, charset, rng)}"
        f'--{boundary}\r\nContent-Type: {content_type}; name="{_encoded_word(filename, "utf-8", rng)}"\r\n'
        f"Content-Disposition: attachment; filename*=utf-8''{quoted}\r\n"
        f"Content-Transfer-Encoding: base64\r\n\r\n{data}"
        f"--{boundary}--\r\n"
    )


def _percent(ch: str) -> str:
    return "".join(f"%{b:02X}" for b in ch.encode("utf-8"))
