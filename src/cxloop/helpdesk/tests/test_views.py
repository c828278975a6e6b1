"""The staff pages: inbox, conversation, its forms; store-scoped, customer HTML inert."""

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cxloop.core.models import Membership
from cxloop.helpdesk.mail.sanitize import sanitize_html
from cxloop.helpdesk.models import Attachment, Conversation, Message, Tag
from cxloop.helpdesk.services import conversations as services
from cxloop.helpdesk.views import PER_PAGE
from cxloop.testing.fixtures import make_staff

from .factories import customer_writes, open_conversation

pytestmark = pytest.mark.django_db

HOSTILE_HTML = (
    '<p>Hi</p><script>alert("x")</script><img src=x onerror="alert(1)">'
    '<a href="javascript:alert(2)">click</a><img src="https://tracker.example/p.gif">'
)


def inbox(client, **params):
    return client.get(reverse("helpdesk:inbox"), params)


def numbers(response) -> list[int]:
    return [conversation.number for conversation in response.context["page"].items]


def test_the_inbox_needs_a_signed_in_member(store, client):
    response = inbox(client)
    assert response.status_code == 302 and "/login" in response["Location"]


def test_a_new_store_is_told_how_conversations_arrive(agent_client):
    response = inbox(agent_client)
    assert response.status_code == 200
    assert "No conversations yet: connect a mailbox or add the contact form" in response.content.decode()


def test_the_inbox_lists_open_conversations_of_this_store_newest_activity_first(
    store, other_store, agent_client
):
    first, _m = open_conversation(store, subject="First")
    second, _m = open_conversation(store, subject="Second")
    resolved, _m = open_conversation(store, subject="Done")
    Conversation.objects.filter(pk=resolved.pk).update(status="resolved")
    open_conversation(other_store, subject="Not ours")
    customer_writes(store, first, text="Hello again, anyone there?")

    response = inbox(agent_client)

    assert numbers(response) == [first.number, second.number]
    page = response.content.decode()
    assert "Hello again, anyone there?" in page and "Not ours" not in page
    assert numbers(inbox(agent_client, status="all")) == [first.number, resolved.number, second.number]


def test_the_inbox_filters_by_assignee_tag_priority_channel_and_search(store, agent, owner, agent_client):
    mine, _m = open_conversation(store, subject="Mine")
    theirs, _m = open_conversation(store, subject="Theirs", from_email="bob@shop.example")
    nobodys, _m = open_conversation(store, subject="Nobody's", from_name="Zofia Wiśniewska")
    services.assign(conversation=mine, assignee=agent, actor=owner)
    services.assign(conversation=theirs, assignee=owner, actor=owner)
    services.set_tags(conversation=theirs, names=["vip"], actor=owner)
    services.set_priority(conversation=nobodys, priority="urgent", actor=owner)
    vip = Tag.objects.get(store=store, name="vip")

    assert numbers(inbox(agent_client, assignee="mine")) == [mine.number]
    assert numbers(inbox(agent_client, assignee="unassigned")) == [nobodys.number]
    assert numbers(inbox(agent_client, assignee=str(owner.pk))) == [theirs.number]
    assert numbers(inbox(agent_client, tag=str(vip.pk))) == [theirs.number]
    assert numbers(inbox(agent_client, priority="urgent")) == [nobodys.number]
    assert numbers(inbox(agent_client, channel="form")) == []
    assert numbers(inbox(agent_client, q="bob@shop")) == [theirs.number]
    assert numbers(inbox(agent_client, q="wiśniewska")) == [nobodys.number]
    assert numbers(inbox(agent_client, q=f"#{mine.number}")) == [mine.number]
    response = inbox(agent_client, priority="bogus", assignee="x" * 50, tag="1e3")  # nonsense is ignored
    assert response.status_code == 200
    assert "No conversations match these filters." in inbox(agent_client, channel="form").content.decode()


def test_the_inbox_is_paged(store, agent_client):
    for index in range(PER_PAGE + 1):
        open_conversation(store, subject=f"Question {index}")

    first = inbox(agent_client)
    second = inbox(agent_client, page="2")

    assert len(numbers(first)) == PER_PAGE and first.context["page"].has_next
    assert len(numbers(second)) == 1 and not second.context["page"].has_next
    assert set(numbers(first)).isdisjoint(numbers(second))


def test_the_htmx_request_gets_only_the_results(store, agent_client):
    open_conversation(store, subject="Parcel")
    response = agent_client.get(
        reverse("helpdesk:inbox"),
        {"q": "Parcel"},
        headers={"HX-Request": "true", "HX-Target": "inbox-results"},
    )
    page = response.content.decode()
    assert page.lstrip().startswith('<section id="inbox-results"') and "<html" not in page


def test_every_page_of_another_stores_conversation_is_404(store, other_store, agent_client):
    theirs, message = open_conversation(other_store)
    attachment = Attachment.objects.create(
        store=other_store, message=message, key="k1", file=ContentFile(b"x", name="x.txt"),
        filename="x.txt", content_type="text/plain", size=1, created_at=timezone.now(),
    )  # fmt: skip
    gets = [
        reverse("helpdesk:conversation", args=[theirs.pk]),
        reverse("helpdesk:presence", args=[theirs.pk]),
        reverse("helpdesk:message-html", args=[theirs.pk, message.pk]),
        reverse("helpdesk:attachment", args=[theirs.pk, attachment.pk]),
    ]
    posts = [
        (reverse("helpdesk:reply", args=[theirs.pk]), {"text": "hi", "confirm": "1"}),
        (reverse("helpdesk:note", args=[theirs.pk]), {"text": "hi"}),
        (reverse("helpdesk:status", args=[theirs.pk]), {"status": "resolved"}),
        (reverse("helpdesk:properties", args=[theirs.pk]), {"priority": "urgent"}),
    ]
    assert [agent_client.get(url).status_code for url in gets] == [404] * len(gets)
    assert [agent_client.post(url, data).status_code for url, data in posts] == [404] * len(posts)
    theirs.refresh_from_db()
    assert (theirs.status, theirs.priority) == ("open", "normal")
    assert not Message.objects.filter(kind__in=["reply", "note"]).exists()


def test_a_message_of_this_store_shown_under_another_conversation_is_404(store, agent_client):
    one, _m = open_conversation(store)
    other, message = open_conversation(store)
    response = agent_client.get(reverse("helpdesk:message-html", args=[one.pk, message.pk]))
    assert response.status_code == 404


def test_hostile_html_is_never_in_the_page_and_runs_nothing_in_its_frame(store, agent_client):
    conversation, message = open_conversation(
        store,
        text='<script>alert("t")</script> Hi',
        html=sanitize_html(HOSTILE_HTML),  # as every channel stores it
        reply_text='<script>alert("t")</script> Hi',
    )

    page = agent_client.get(reverse("helpdesk:conversation", args=[conversation.pk])).content.decode()
    frame = agent_client.get(reverse("helpdesk:message-html", args=[conversation.pk, message.pk]))

    assert "<script>alert" not in page and "onerror" not in page and "javascript:" not in page
    assert '<iframe class="message__html" sandbox' in page
    assert "Show images" in page
    body = frame.content.decode()
    assert "<script" not in body and "onerror" not in body and "javascript:" not in body
    assert 'data-remote-src="https://tracker.example/p.gif"' in body and ' src="https://tracker' not in body
    csp = frame["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "sandbox" in csp and "img-src data:;" in csp
    assert frame["X-Content-Type-Options"] == "nosniff"


def test_images_load_only_when_asked(store, agent_client):
    conversation, message = open_conversation(store, html=sanitize_html(HOSTILE_HTML))
    url = reverse("helpdesk:message-html", args=[conversation.pk, message.pk])
    frame = agent_client.get(url, {"images": "1"})
    assert ' src="https://tracker.example/p.gif"' in frame.content.decode()
    assert "img-src data: https:;" in frame["Content-Security-Policy"]
    page = agent_client.get(
        reverse("helpdesk:conversation", args=[conversation.pk]), {"images": str(message.pk)}
    )
    assert f"{url}?images=1" in page.content.decode()


def test_quoted_history_is_behind_a_toggle(store, agent_client):
    conversation, _message = open_conversation(
        store, text="New question\n\nOn Monday Shop wrote:\n> old answer", reply_text="New question"
    )
    page = agent_client.get(reverse("helpdesk:conversation", args=[conversation.pk])).content.decode()
    assert "Show quoted text" in page and "&gt; old answer" in page


def test_attachments_download_and_never_render(store, agent_client):
    conversation, message = open_conversation(store)
    attachment = Attachment.objects.create(
        store=store, message=message, key="k2", file=ContentFile(b"<svg onload=alert(1)>", name="a.svg"),
        filename="logo.svg", content_type="image/svg+xml", size=21, created_at=timezone.now(),
    )  # fmt: skip
    response = agent_client.get(reverse("helpdesk:attachment", args=[conversation.pk, attachment.pk]))
    assert response.status_code == 200
    assert (
        response["Content-Disposition"].startswith("attachment;")
        and "logo.svg" in response["Content-Disposition"]
    )
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_a_reply_posted_from_the_page_is_queued(store, agent, agent_client):
    conversation, message = open_conversation(store)
    response = agent_client.post(
        reverse("helpdesk:reply", args=[conversation.pk]),
        {"text": "On its way", "seen_last_message_id": message.pk},
    )
    assert response.status_code == 302
    reply = Message.objects.get(kind="reply")
    assert (reply.text, reply.author, reply.delivery) == ("On its way", agent, "queued")


def test_an_empty_reply_is_refused_with_a_clear_error(store, agent_client):
    conversation, message = open_conversation(store)
    response = agent_client.post(
        reverse("helpdesk:reply", args=[conversation.pk]), {"text": " ", "seen_last_message_id": message.pk}
    )
    assert response.status_code == 422
    assert "Write something first." in response.content.decode()
    assert not Message.objects.filter(kind="reply").exists()


def test_a_reply_after_a_newer_customer_message_asks_for_confirmation(store, agent_client):
    # given the page was loaded, then the customer wrote again
    conversation, message = open_conversation(store)
    customer_writes(store, conversation, text="Actually, cancel the order please")

    # when the agent sends the reply written before
    url = reverse("helpdesk:reply", args=[conversation.pk])
    response = agent_client.post(url, {"text": "Shipped!", "seen_last_message_id": message.pk})

    # then nothing is sent; the new message is shown with a "Send anyway" button
    assert response.status_code == 409
    page = response.content.decode()
    assert "Actually, cancel the order please" in page and "Send anyway" in page and "Shipped!" in page
    assert not Message.objects.filter(kind="reply").exists()

    # when they send anyway
    again = agent_client.post(url, {"text": "Shipped!", "seen_last_message_id": message.pk, "confirm": "1"})
    assert again.status_code == 302
    assert Message.objects.filter(kind="reply").count() == 1


def test_a_reply_by_another_agent_meanwhile_also_asks(store, owner, agent_client):
    conversation, message = open_conversation(store)
    services.reply(conversation=conversation, author=owner, text="Already answered")
    response = agent_client.post(
        reverse("helpdesk:reply", args=[conversation.pk]),
        {"text": "Me too", "seen_last_message_id": message.pk},
    )
    assert response.status_code == 409 and "Already answered" in response.content.decode()


def test_two_agents_on_one_conversation_see_each_other(store, agent, agent_client):
    bob = make_staff(store, Membership.Role.AGENT, email="bob@sklep.test")
    bob.first_name = "Bob"
    bob.save(update_fields=["first_name"])
    bob_client = Client()
    bob_client.force_login(bob)
    conversation, _message = open_conversation(store)
    url = reverse("helpdesk:presence", args=[conversation.pk])

    assert "is viewing" not in agent_client.get(url).content.decode()  # alone so far
    bob_client.get(reverse("helpdesk:conversation", args=[conversation.pk]))

    assert "Bob is viewing" in agent_client.get(url).content.decode()
    assert f"{agent.email} is viewing" in bob_client.get(url).content.decode()


def test_controls_change_the_conversation_and_the_activity_is_written(store, agent, agent_client):
    conversation, _message = open_conversation(store)
    detail = reverse("helpdesk:conversation", args=[conversation.pk])
    agent_client.post(
        reverse("helpdesk:properties", args=[conversation.pk]),
        {"assignee": str(agent.pk), "team": "", "priority": "high", "tags": "vip, refund"},
    )
    agent_client.post(reverse("helpdesk:status", args=[conversation.pk]), {"status": "resolved"})

    conversation.refresh_from_db()
    assert (conversation.assignee, conversation.priority, conversation.status) == (agent, "high", "resolved")
    page = agent_client.get(detail).content.decode()
    assert f"{agent.email} assigned it to {agent.email}" in page
    assert f"{agent.email} set the status to Resolved" in page


def test_assigning_someone_outside_the_store_is_refused(store, other_store, agent_client):
    stranger = make_staff(other_store, Membership.Role.OWNER, email="x@other.test")
    conversation, _message = open_conversation(store)
    response = agent_client.post(
        reverse("helpdesk:properties", args=[conversation.pk]), {"assignee": str(stranger.pk)}
    )
    assert response.status_code == 422
    conversation.refresh_from_db()
    assert conversation.assignee is None


def test_the_sidebar_shows_the_customers_record_and_previous_conversations(store, agent_client):
    from cxloop.commerce.models import Customer, Order

    now = timezone.now()
    customer = Customer.objects.create(
        store=store, email="ania@example.pl", email_key="ania@example.pl", first_name="Ania",
        last_name="Nowak", language="pl", tags=["vip"], created_at=now, updated_at=now,
    )  # fmt: skip
    Order.objects.create(
        store=store, customer=customer, platform="shopify", external_id="1", number="#1042", currency="PLN",
        total="249.90", financial_status="paid", created_at=now,
    )  # fmt: skip
    earlier, _m = open_conversation(store, subject="Earlier question")
    conversation, _m = open_conversation(store, subject="Now")

    page = agent_client.get(reverse("helpdesk:conversation", args=[conversation.pk])).content.decode()

    assert (
        conversation.customer_id == customer.pk
        or Conversation.objects.get(pk=conversation.pk).customer == customer
    )
    assert reverse("commerce:customer-detail", args=[customer.pk]) in page
    assert "Earlier question" in page and "Polish" in page and "#1042" in page and "249.90" in page


def test_the_sidebar_shows_each_orders_fulfilment_status_carrier_and_escaped_tracking_link(
    store, agent_client
):
    from datetime import timedelta

    from cxloop.commerce.models import Customer, Fulfilment, Order

    # given a customer whose order shipped twice, one tracking link carrying markup
    now = timezone.now()
    customer = Customer.objects.create(
        store=store, email="ania@example.pl", email_key="ania@example.pl", first_name="Ania",
        created_at=now, updated_at=now,
    )  # fmt: skip
    order = Order.objects.create(
        store=store, customer=customer, platform="shopify", external_id="1", number="#1042", currency="PLN",
        total="249.90", fulfillment_status="fulfilled", created_at=now,
    )  # fmt: skip
    Fulfilment.objects.create(
        store=store, order=order, external_id="1", status="in_transit", carrier="InPost",
        tracking_number="520000012345678901234567",
        tracking_url='https://inpost.pl/sledzenie-przesylek?number=5200"><img src=x onerror=alert(1)>',
        shipped_at=now,
    )  # fmt: skip
    Fulfilment.objects.create(
        store=store, order=order, external_id="2", status="delivered", carrier="<i>Poczta</i>",
        tracking_number="PX1234567890", shipped_at=now - timedelta(days=1),
    )  # fmt: skip
    conversation, _m = open_conversation(store, subject="Where is my parcel?")

    # when
    page = agent_client.get(reverse("helpdesk:conversation", args=[conversation.pk])).content.decode()

    # then
    assert (
        '<a href="https://inpost.pl/sledzenie-przesylek?number=5200&quot;&gt;&lt;img src=x '
        'onerror=alert(1)&gt;" rel="noopener noreferrer" target="_blank">'
        '<bdi class="mono">520000012345678901234567</bdi></a>'
    ) in page
    assert "In transit · <bdi>InPost</bdi>" in page
    assert "Delivered · <bdi>&lt;i&gt;Poczta&lt;/i&gt;</bdi>" in page and "PX1234567890" in page
    assert "<img src=x" not in page and "<i>Poczta" not in page


def test_the_inbox_costs_the_same_queries_for_few_or_many_rows(store, agent, owner, agent_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert agent_client.get(reverse("helpdesk:inbox")).status_code == 200
        return len(queries)

    first, _m = open_conversation(store)
    services.assign(conversation=first, assignee=agent, actor=owner)
    few = count()
    for _ in range(5):
        conversation, _m = open_conversation(store)
        services.assign(conversation=conversation, assignee=owner, actor=owner)
    assert count() == few


def test_snoozing_from_the_page_reads_the_time_in_the_store_zone(store, agent_client):
    import zoneinfo
    from datetime import datetime

    store.timezone = "Asia/Tehran"
    store.save(update_fields=["timezone"])
    conversation, _message = open_conversation(store)
    url = reverse("helpdesk:status", args=[conversation.pk])

    bad = agent_client.post(url, {"status": "snoozed", "snoozed_until": "not a time"})
    assert bad.status_code == 422 and "Choose a time in the future" in bad.content.decode()
    agent_client.post(url, {"status": "snoozed", "snoozed_until": "2099-01-02T09:30"})

    conversation.refresh_from_db()
    assert conversation.status == "snoozed"
    assert conversation.snoozed_until == datetime(2099, 1, 2, 9, 30, tzinfo=zoneinfo.ZoneInfo("Asia/Tehran"))


def test_a_conversation_is_merged_into_the_same_customers_other_one_from_the_page(store, agent_client):
    target, _m = open_conversation(store, subject="First")
    source, _m = open_conversation(store, subject="Second")
    stranger, _m = open_conversation(store, from_email="someone@else.example")

    page = agent_client.get(reverse("helpdesk:conversation", args=[source.pk])).content.decode()
    assert "Merge into #" in page
    refused = agent_client.post(reverse("helpdesk:merge", args=[stranger.pk]), {"target": str(target.pk)})
    merged = agent_client.post(reverse("helpdesk:merge", args=[source.pk]), {"target": str(target.pk)})

    assert refused.status_code == 422
    assert merged.status_code == 302 and merged["Location"] == reverse(
        "helpdesk:conversation", args=[target.pk]
    )
    source.refresh_from_db()
    assert (source.merged_into, source.status) == (target, "resolved")


def test_a_note_by_someone_else_meanwhile_does_not_stop_the_reply(store, owner, agent_client):
    conversation, message = open_conversation(store)
    services.add_note(conversation=conversation, author=owner, text="FYI: VIP customer")
    response = agent_client.post(
        reverse("helpdesk:reply", args=[conversation.pk]),
        {"text": "Hello", "seen_last_message_id": message.pk},
    )
    assert response.status_code == 302 and Message.objects.filter(kind="reply").count() == 1


def test_inline_cid_images_show_from_the_message_but_svg_never(store, agent_client):
    conversation, message = open_conversation(
        store, html=sanitize_html('<p>Photo:</p><img src="cid:photo@x"><img src="cid:logo@x">')
    )
    Attachment.objects.create(
        store=store, message=message, key="p1", file=ContentFile(b"\x89PNG\r\n", name="p.png"),
        filename="photo.png", content_type="image/png", size=6, content_id="photo@x", inline=True,
        created_at=timezone.now(),
    )  # fmt: skip
    logo = Attachment.objects.create(
        store=store, message=message, key="s1", file=ContentFile(b"<svg onload=alert(1)>", name="s.svg"),
        filename="logo.svg", content_type="image/svg+xml", size=21, content_id="logo@x", inline=True,
        created_at=timezone.now(),
    )  # fmt: skip

    frame = agent_client.get(reverse("helpdesk:message-html", args=[conversation.pk, message.pk]))
    body = frame.content.decode()

    assert 'src="data:image/png;base64,iVBORw0K"' in body  # the photo, with no request to make
    assert 'data-cid="logo@x"' in body and "svg" not in body  # the SVG stays inert
    assert logo.content_type == "image/svg+xml"


def test_unsanitised_html_stored_by_mistake_still_runs_nothing(store, agent_client):
    conversation, message = open_conversation(store, html=HOSTILE_HTML)
    page = agent_client.get(reverse("helpdesk:conversation", args=[conversation.pk])).content.decode()
    frame = agent_client.get(reverse("helpdesk:message-html", args=[conversation.pk, message.pk]))
    assert "<script>alert" not in page and "onerror" not in page
    csp = frame["Content-Security-Policy"]
    assert csp.startswith("default-src 'none';") and "; sandbox;" in csp and "script-src" not in csp


def test_the_inbox_links_owners_to_the_mailboxes_and_not_agents(store, staff_client):
    from cxloop.core.models import Membership
    from cxloop.testing.fixtures import make_staff

    page = staff_client.get("/helpdesk/").content.decode()
    assert 'href="/helpdesk/mailboxes/"' in page

    agent = make_staff(store, email="agent2@example.com", role=Membership.Role.AGENT)
    client = type(staff_client)()
    client.force_login(agent)
    assert 'href="/helpdesk/mailboxes/"' not in client.get("/helpdesk/").content.decode()
