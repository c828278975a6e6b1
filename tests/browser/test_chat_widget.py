"""A shopper chats in Persian from a storefront page, an agent answers from the inbox, the server goes away
and comes back: nothing is lost or shown twice. A Chinese shopper checks an order's status.

The site runs under uvicorn (cxloop.asgi, as `cxloop serve --asgi` runs it) in a thread of the test, so
the WebSockets are real and the server can be stopped and started again on the same port.
"""

import re
import threading
import time

import pytest
import uvicorn
from django.utils import timezone
from playwright.sync_api import Page, expect

from cxloop.commerce.models import Fulfilment, LineItem, Order
from cxloop.core import services as core_services
from cxloop.core.models import Membership
from cxloop.helpcenter import services as helpcenter
from cxloop.helpcenter.categories import default_category
from cxloop.helpdesk.models import Message
from cxloop.testing.apiserver import free_port
from cxloop.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUESTION = "چطور کفش را پس بدهم؟"
ANSWER = "سلام! برچسب مرجوعی را امروز برایتان می‌فرستم."
FOLLOW_UP = "<b>کی</b> می‌رسد؟"


class Site:
    """cxloop.asgi under uvicorn in a thread; stop() and start() again on the same port."""

    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = None
        self.thread = None

    def start(self):
        from cxloop.asgi import application

        config = uvicorn.Config(
            application, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.server.install_signal_handlers = lambda: None
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline, "the ASGI server did not start"
            time.sleep(0.05)

    def stop(self):
        self.server.should_exit = True
        self.thread.join(timeout=20)


@pytest.fixture
def site(transactional_db):
    running = Site()
    running.start()
    yield running
    running.stop()


def test_a_persian_shopper_is_offered_an_article_then_talks_to_an_agent_through_a_drop(
    page: Page, site, browser
):
    store, _ = core_services.create_store(name="فروشگاه کفش", currency="IRR", slug="kafsh")
    agent, _ = core_services.add_staff(
        store=store, email="agent@kafsh.test", role=Membership.Role.AGENT, password=PASSWORD
    )
    article = helpcenter.save_article(
        store=store,
        fields={"slug": "returns", "category": default_category(store, "returns"), "published": True},
    )
    helpcenter.save_text(
        article=article, language="fa", title="پس دادن کفش", body="تا ۳۰ روز می‌توانید کفش را پس بدهید."
    )

    # the shopper opens the chat on the storefront and asks in Persian
    page.goto(f"{site.url}/chat/kafsh/preview/?lang=fa")
    widget = page.locator("#cxloop-chat")
    widget.get_by_role("button", name="گفتگو با ما").click()
    expect(widget.get_by_role("dialog")).to_have_attribute("dir", "rtl")
    widget.get_by_role("textbox").fill(QUESTION)
    widget.get_by_role("textbox").press("Enter")

    # a help-centre article is offered; the shopper still wants a person
    expect(widget.get_by_role("link", name="پس دادن کفش")).to_be_visible()
    widget.get_by_role("button", name="گفتگو با یک نفر").click()
    deadline = time.monotonic() + 10
    while not Message.objects.filter(store=store, kind=Message.Kind.INCOMING).exists():
        assert time.monotonic() < deadline, "the question never reached the inbox"
        time.sleep(0.1)

    # the agent answers from the inbox, in another browser
    staff = browser.new_context()
    desk = staff.new_page()
    desk.goto(f"{site.url}/login/")
    desk.get_by_label("Email").fill(agent.username)
    desk.get_by_label("Password").fill(PASSWORD)
    desk.get_by_role("button", name="Sign in").click()
    expect(desk.get_by_role("navigation", name="Main")).to_be_visible()
    desk.goto(f"{site.url}/helpdesk/")
    desk.get_by_role("link", name=re.compile("چطور کفش")).click()
    desk.get_by_label(re.compile("Reply in the chat")).fill(ANSWER)
    desk.locator("form[action$='/reply'] button[type=submit]").click()

    # the shopper sees it live, as text; their next words reach the agent's open page without a reload
    expect(widget.locator("li.agent .bubble")).to_have_text(ANSWER)
    desk.get_by_label(re.compile("Reply in the chat")).fill("…")  # the agent types: the shopper sees it
    expect(widget.locator(".typing")).not_to_be_empty()
    widget.get_by_role("textbox").fill(FOLLOW_UP)
    widget.get_by_role("textbox").press("Enter")
    expect(desk.locator("ol.thread")).to_contain_text(FOLLOW_UP)
    expect(desk.locator(".chat-visitor")).to_contain_text("فروشگاه کفش")  # the page the visitor is on

    # the server goes away; the shopper writes meanwhile, and the agent answers again
    site.stop()
    widget.get_by_role("textbox").fill("ممنون، منتظرم")
    widget.get_by_role("textbox").press("Enter")
    expect(widget.locator(".note")).to_be_visible()
    from cxloop.helpdesk.services.conversations import reply

    conversation = Message.objects.filter(store=store, kind=Message.Kind.INCOMING).first().conversation
    reply(conversation=conversation, author=agent, text="برچسب ارسال شد.")
    site.start()

    # back: the missed reply arrives, the waiting message is sent, nothing twice
    expect(widget.locator("li.agent .bubble")).to_have_count(2, timeout=40_000)
    expect(widget.locator("li.visitor.pending")).to_have_count(0, timeout=20_000)
    visitor_texts = widget.locator("li.visitor .bubble").all_inner_texts()
    assert visitor_texts == [QUESTION, FOLLOW_UP, "ممنون، منتظرم"]
    assert list(
        Message.objects.filter(store=store, kind=Message.Kind.INCOMING)
        .order_by("pk")
        .values_list("text", flat=True)
    ) == [QUESTION, FOLLOW_UP, "ممنون، منتظرم"]
    staff.close()


def test_a_chinese_shopper_checks_an_orders_status_in_the_widget(page: Page, site):
    store, _ = core_services.create_store(name="茶叶店", currency="CNY", slug="chaye")
    core_services.add_staff(
        store=store, email="owner@chaye.test", role=Membership.Role.OWNER, password=PASSWORD
    )
    order = Order.objects.create(
        store=store, platform="shopify", external_id="1", number="#2001", email="li@example.cn",
        currency="CNY", total="88.00", created_at=timezone.now(),
        fulfillment_status=Order.Fulfillment.FULFILLED, financial_status=Order.Financial.PAID,
    )  # fmt: skip
    LineItem.objects.create(
        store=store, order=order, title="龙井茶 <img src=x onerror=alert(1)>", quantity=2, price="44"
    )
    Fulfilment.objects.create(
        store=store, order=order, external_id="f1", status=Fulfilment.Status.IN_TRANSIT,
        tracking_number="SF123", tracking_url="https://www.sf-express.com/track?no=SF123",
    )  # fmt: skip

    page.goto(f"{site.url}/chat/chaye/preview/?lang=zh-hans")
    widget = page.locator("#cxloop-chat")
    widget.get_by_role("button", name="在线咨询").click()
    widget.get_by_role("button", name="我的订单在哪里？").click()
    widget.get_by_label("订单号").fill("２００１")
    widget.get_by_label("下单时使用的电子邮件").fill("wrong@example.cn")
    widget.get_by_role("button", name="查询订单").click()
    expect(widget.get_by_role("alert")).to_have_text("找不到与该订单号和电子邮件地址相符的订单。")

    widget.get_by_label("下单时使用的电子邮件").fill("li@example.cn")
    widget.get_by_role("button", name="查询订单").click()
    card = widget.locator(".card")
    expect(card).to_contain_text("#2001")
    expect(card).to_contain_text("龙井茶 <img src=x onerror=alert(1)>")  # shown as text, never as an element
    assert widget.locator(".card img").count() == 0
    expect(card.get_by_role("link")).to_have_attribute("href", "https://www.sf-express.com/track?no=SF123")


def a_png(width: int = 4, height: int = 3) -> bytes:
    """A real (decodable) PNG of red pixels."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def test_a_shopper_sends_a_photo_the_agent_sees_it_and_a_disguised_page_is_refused(
    page: Page, site, browser, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    store, _ = core_services.create_store(name="Sklep Ania", currency="PLN", slug="sklep-ania")
    agent, _ = core_services.add_staff(
        store=store, email="agent@sklep.test", role=Membership.Role.AGENT, password=PASSWORD
    )
    photo = a_png()

    # the shopper opens the chat and sends a photo with the clip button, from the keyboard
    page.goto(f"{site.url}/chat/sklep-ania/preview/?lang=en")
    widget = page.locator("#cxloop-chat")
    widget.get_by_role("button", name="Chat with us").click()
    clip = widget.get_by_role("button", name="Send a photo or PDF")
    clip.focus()
    with page.expect_file_chooser() as chooser:
        # Playwright asks the browser to report file choosers without waiting for its answer; a
        # round trip (this check) makes sure it has been asked before the key is pressed.
        expect(clip).to_be_focused()
        page.keyboard.press("Enter")
    chooser.value.set_files(files=[{"name": "paragon.png", "mimeType": "image/png", "buffer": photo}])

    # it is shown as its name and size, with a thumbnail the widget fetched from the chat's endpoint
    link = widget.get_by_role("link", name="paragon.png (1 KB)")
    expect(link).to_be_visible()
    expect(widget.locator("li.visitor.pending")).to_have_count(0)
    thumbnail = widget.locator("li.visitor .file img")
    expect(thumbnail).to_have_attribute("src", re.compile(r"^blob:"))
    page.wait_for_function(  # decoded: a real image, 4 pixels wide
        "() => document.querySelector('#cxloop-chat').shadowRoot.querySelector('.file img')"
        ".naturalWidth === 4"
    )
    with page.expect_download() as downloaded:
        link.click()
    assert downloaded.value.suggested_filename == "paragon.png"
    assert open(downloaded.value.path(), "rb").read() == photo

    # an HTML page named like a photo is refused, and the widget says why
    with page.expect_file_chooser() as chooser:
        clip.click()
    chooser.value.set_files(
        files=[{"name": "photo.png", "mimeType": "image/png", "buffer": b"<html><script>alert(1)</script>"}]
    )
    expect(widget.locator("li.visitor .meta")).to_contain_text("HTML")
    assert Message.objects.filter(store=store, kind=Message.Kind.INCOMING).count() == 1

    # a reload replays the chat with the file
    page.reload()
    widget.get_by_role("button", name="Chat with us").click()
    expect(widget.get_by_role("link", name="paragon.png (1 KB)")).to_be_visible()

    # the agent's conversation page lists the file as the desk lists a mail's
    staff = browser.new_context()
    desk = staff.new_page()
    desk.goto(f"{site.url}/login/")
    desk.get_by_label("Email").fill(agent.username)
    desk.get_by_label("Password").fill(PASSWORD)
    desk.get_by_role("button", name="Sign in").click()
    expect(desk.get_by_role("navigation", name="Main")).to_be_visible()
    conversation = Message.objects.get(store=store, kind=Message.Kind.INCOMING).conversation
    desk.goto(f"{site.url}/helpdesk/{conversation.pk}/")
    expect(desk.locator("ol.thread").get_by_role("link", name="paragon.png")).to_be_visible()
    staff.close()


def _sign_in(browser, site, user):
    context = browser.new_context()
    desk = context.new_page()
    desk.goto(f"{site.url}/login/")
    desk.get_by_label("Email").fill(user.username)
    desk.get_by_label("Password").fill(PASSWORD)
    desk.get_by_role("button", name="Sign in").click()
    expect(desk.get_by_role("navigation", name="Main")).to_be_visible()
    return context, desk


def _agents_listening(store, count):
    from channels.layers import get_channel_layer

    from cxloop.chat import realtime

    deadline = time.monotonic() + 15
    while len(get_channel_layer().groups.get(realtime.store_group(store.pk), {})) < count:
        assert time.monotonic() < deadline, "the agents' pages never opened their sockets"
        time.sleep(0.1)


def test_an_agent_transfers_a_chat_to_a_colleague_who_hears_it_live_and_the_shopper_sees_a_neutral_line(
    page: Page, site, browser
):
    from django.utils import translation

    from cxloop.chat.transfers import transfer_notice
    from cxloop.helpdesk.services.conversations import assign

    store, _ = core_services.create_store(name="Sklep z butami", currency="PLN", slug="buty")
    ania, _ = core_services.add_staff(
        store=store, email="ania@buty.test", role=Membership.Role.AGENT, password=PASSWORD
    )
    bob, _ = core_services.add_staff(
        store=store, email="bob@buty.test", role=Membership.Role.AGENT, password=PASSWORD
    )
    for user, name in ((ania, "Ania"), (bob, "Bob")):
        user.first_name = name
        user.save(update_fields=["first_name"])

    # a Polish shopper writes; the chat is Ania's
    page.goto(f"{site.url}/chat/buty/preview/?lang=pl")
    widget = page.locator("#cxloop-chat")
    widget.get_by_role("button", name="Napisz do nas").click()
    widget.get_by_role("textbox").fill("Chcę zwrócić buty")
    widget.get_by_role("textbox").press("Enter")
    deadline = time.monotonic() + 15
    while not Message.objects.filter(store=store, kind=Message.Kind.INCOMING).exists():
        assert time.monotonic() < deadline, "the message never reached the inbox"
        time.sleep(0.1)
    expect(widget.locator("li.visitor.pending")).to_have_count(0, timeout=20_000)
    conversation = Message.objects.get(store=store, kind=Message.Kind.INCOMING).conversation
    assign(conversation=conversation, assignee=ania, actor=ania)

    # Bob has the inbox open; Ania opens the chat
    bobs, bob_desk = _sign_in(browser, site, bob)
    bob_desk.goto(f"{site.url}/helpdesk/")
    _agents_listening(store, 1)
    anias, ania_desk = _sign_in(browser, site, ania)
    ania_desk.goto(f"{site.url}/helpdesk/{conversation.pk}/")
    _agents_listening(store, 2)

    # Ania transfers it to Bob with a note
    ania_desk.get_by_label("To an agent or a team").select_option(label="Bob")
    ania_desk.get_by_label(re.compile("Note for your colleague")).fill("Zwrot: zamówienie #1001")
    ania_desk.get_by_role("button", name="Transfer", exact=True).click()
    expect(ania_desk.locator("ol.thread")).to_contain_text("Ania transferred it to Bob")

    # Bob hears it live, with a link to the chat; the shopper sees a neutral line, never the note
    notice = bob_desk.locator(".chat-transfer-notice")
    expect(notice).to_contain_text(f"#{conversation.number}")
    with translation.override("pl"):
        expected = transfer_notice()
    expect(widget.locator("li.system")).to_have_text(expected)
    assert "Chcę zwrócić buty" in widget.locator("ol.log").inner_text()
    assert "Zwrot: zamówienie" not in widget.locator("ol.log").inner_text()
    notice.get_by_role("link").click()
    expect(bob_desk.locator("ol.thread")).to_contain_text("Zwrot: zamówienie #1001")  # the internal note
    conversation.refresh_from_db()
    assert conversation.assignee == bob

    # the line is stored: the shopper reloads the page and sees it again, once, in its place
    page.reload()
    widget.get_by_role("button", name="Napisz do nas").click()
    expect(widget.locator("li.system")).to_have_text(expected)
    assert widget.locator("ol.log > li").all_inner_texts()[-2:] == ["Chcę zwrócić buty", expected]
    bobs.close()
    anias.close()


def a_pdf() -> bytes:
    """A small real PDF (one empty page)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    body, offsets = b"%PDF-1.4\n", []
    for number, content in enumerate(objects, 1):
        offsets.append(len(body))
        body += b"%d 0 obj\n" % number + content + b"\nendobj\n"
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return body + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)


def test_an_agent_attaches_a_pdf_to_a_chat_reply_and_the_shopper_downloads_it(
    page: Page, site, browser, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    store, _ = core_services.create_store(name="茶叶店", currency="CNY", slug="chaye")
    agent, _ = core_services.add_staff(
        store=store, email="agent@chaye.test", role=Membership.Role.AGENT, password=PASSWORD
    )
    invoice = a_pdf()

    # a Chinese shopper asks for an invoice in the widget
    page.goto(f"{site.url}/chat/chaye/preview/?lang=zh-hans")
    widget = page.locator("#cxloop-chat")
    widget.get_by_role("button", name="在线咨询").click()
    widget.get_by_role("textbox").fill("请把发票发给我")
    widget.get_by_role("textbox").press("Enter")
    deadline = time.monotonic() + 15
    while not Message.objects.filter(store=store, kind=Message.Kind.INCOMING).exists():
        assert time.monotonic() < deadline, "the question never reached the inbox"
        time.sleep(0.1)
    conversation = Message.objects.get(store=store, kind=Message.Kind.INCOMING).conversation

    # the agent attaches the invoice from the keyboard, and a photo they then take off the list
    staff, desk = _sign_in(browser, site, agent)
    desk.goto(f"{site.url}/helpdesk/{conversation.pk}/")
    desk.get_by_label(re.compile("Reply in the chat")).fill("这是您的发票。")
    form = desk.get_by_role("region", name="Reply")
    attach = form.get_by_label("Attach files")
    attach.focus()
    with desk.expect_file_chooser() as chooser:
        # as in the shopper's test above: a round trip before the key, so the browser has been
        # asked to report the chooser by the time it opens
        expect(attach).to_be_focused()
        desk.keyboard.press("Space")
    chooser.value.set_files(files=[{"name": "发票.pdf", "mimeType": "application/pdf", "buffer": invoice}])
    chosen = form.get_by_role("list", name="Files to send")
    expect(chosen.get_by_role("listitem")).to_have_count(1)
    # choosing again adds to the list (the input itself, as the picker would fill it)
    attach.set_input_files(files=[{"name": "照片.png", "mimeType": "image/png", "buffer": a_png()}])
    expect(chosen.get_by_role("listitem")).to_have_count(2)
    expect(chosen.get_by_role("listitem").first).to_contain_text("发票.pdf")
    expect(chosen.get_by_role("listitem").first).to_contain_text("KB")
    chosen.get_by_role("button", name="Remove 照片.png").click()
    expect(chosen.get_by_role("listitem")).to_have_count(1)
    with desk.expect_navigation():
        form.get_by_role("button", name="Send reply").click()
    expect(desk.locator("ol.thread .message-reply").get_by_role("link", name="发票.pdf")).to_be_visible()
    reply = Message.objects.get(store=store, kind=Message.Kind.REPLY)
    assert [a.filename for a in reply.attachments.all()] == ["发票.pdf"]

    # the shopper sees it live on the agent's side of the chat, and downloads it
    link = widget.locator("li.agent").get_by_role("link", name="发票.pdf (1 KB)")
    expect(link).to_be_visible()
    expect(widget.locator("li.agent .bubble")).to_contain_text("这是您的发票。")
    with page.expect_download() as downloaded:
        link.click()
    assert downloaded.value.suggested_filename == "发票.pdf"
    assert open(downloaded.value.path(), "rb").read() == invoice

    # and finds it again after a reload
    page.reload()
    widget.get_by_role("button", name="在线咨询").click()
    expect(widget.locator("li.agent").get_by_role("link", name="发票.pdf (1 KB)")).to_be_visible()
    staff.close()


def test_a_shopper_on_long_polling_sees_the_transfer_line_once_and_again_after_a_reload(page: Page, site):
    from django.utils import translation

    from cxloop.chat.transfers import transfer_notice
    from cxloop.helpdesk.services.conversations import assign, reply
    from cxloop.helpdesk.services.transfer import transfer

    store, _ = core_services.create_store(name="茶叶店", currency="CNY", slug="chaye")
    ania, _ = core_services.add_staff(
        store=store, email="ania@chaye.test", role=Membership.Role.AGENT, password=PASSWORD
    )
    bob, _ = core_services.add_staff(
        store=store, email="bob@chaye.test", role=Membership.Role.AGENT, password=PASSWORD
    )
    bob.first_name = "Bob"
    bob.save(update_fields=["first_name"])
    polls = []
    page.on(
        "request",
        lambda request: request.method == "GET" and "/messages?" in request.url and polls.append(request.url),
    )
    page.add_init_script("window.WebSocket = undefined;")  # a proxy that lets no socket through

    # a Chinese shopper writes over HTTP; the chat is Ania's, and she hands it to Bob
    page.goto(f"{site.url}/chat/chaye/preview/?lang=zh-hans")
    widget = page.locator("#cxloop-chat")
    widget.get_by_role("button", name="在线咨询").click()
    widget.get_by_role("textbox").fill("我想退货")
    widget.get_by_role("textbox").press("Enter")
    deadline = time.monotonic() + 15
    while not Message.objects.filter(store=store, kind=Message.Kind.INCOMING).exists():
        assert time.monotonic() < deadline, "the message never reached the inbox"
        time.sleep(0.1)
    expect(widget.locator("li.visitor.pending")).to_have_count(0, timeout=20_000)
    conversation = Message.objects.get(store=store, kind=Message.Kind.INCOMING).conversation
    assign(conversation=conversation, assignee=ania, actor=ania)
    transfer(conversation=conversation, actor=ania, agent=bob, note="老客户")

    # the waiting poll brings the neutral line; Bob's reply comes after it
    with translation.override("zh-hans"):
        expected = transfer_notice()
    expect(widget.locator("li.system")).to_have_text(expected)
    reply(conversation=conversation, author=bob, text="您好，我是 Bob。")
    expect(widget.locator("li.agent .bubble")).to_have_text("您好，我是 Bob。")
    assert polls and all("notices=" in url for url in polls)
    expect(widget.locator("li.system")).to_have_count(1)

    # a reload replays the chat: the line once, between the question and the reply, never the note
    page.reload()
    widget.get_by_role("button", name="在线咨询").click()
    expect(widget.locator("li.agent .bubble")).to_have_text("您好，我是 Bob。")
    assert widget.locator("ol.log > li").all_inner_texts() == ["我想退货", expected, "您好，我是 Bob。\nBob"]
    assert "老客户" not in widget.locator("ol.log").inner_text()
