"""Files in the chat: a shopper sends an image or a PDF, the agent sees it, the widget fetches it back."""

import datetime as dt
import json
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cxloop.chat import attachments, services
from cxloop.chat.models import Visitor
from cxloop.core.errors import BodyTooLarge, InvalidInput
from cxloop.helpdesk.models import Attachment, Conversation, Message
from cxloop.helpdesk.services import attachments as purging
from cxloop.helpdesk.services import conversations as staff
from cxloop.helpdesk.services.desk import settings_for
from cxloop.helpdesk.services.privacy import erase_contact

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04"
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
HTML = b"\xef\xbb\xbf\n<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()  # the hourly allowance of files
    yield tmp_path / "media"
    cache.clear()


def stored_files(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


def start(client, store, token=""):
    response = client.post(
        reverse("chat:start", args=[store.slug]),
        json.dumps({"lang": "pl", "token": token}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()


def upload(
    client, store, token, content, *, name="zdjecie.png", client_id="f-1", browser_type="image/png", **extra
):
    return client.post(
        reverse("chat:upload", args=[store.slug]),
        {
            "client_id": client_id,
            "file": SimpleUploadedFile(name, content, content_type=browser_type),
            **extra,
        },
        headers={"Authorization": f"Bearer {token}"},
    )


def download(client, store, token, attachment_id):
    return client.get(
        reverse("chat:attachment", args=[store.slug, attachment_id]),
        headers={"Authorization": f"Bearer {token}"},
    )


def visitor_of(token) -> Visitor:
    return services.visitor_from_token(token)


# -- sending a file -------------------------------------------------------------------------------


def test_a_png_becomes_the_visitors_chat_message_with_the_file_and_a_retry_is_stored_once(
    client, store, media
):
    token = start(client, store)["token"]

    first = upload(client, store, token, PNG, name="paragon.png", text="Mój paragon")
    again = upload(client, store, token, PNG, name="paragon.png", text="Mój paragon")

    assert first.status_code == 201, first.content
    assert again.status_code == 200
    sent = first.json()["message"]
    assert again.json()["message"]["id"] == sent["id"]
    assert sent["text"] == "Mój paragon" and sent["client_id"] == "f-1" and sent["from"] == "visitor"
    attachment = Attachment.objects.get()
    assert sent["attachments"] == [
        {"id": attachment.pk, "name": "paragon.png", "size": len(PNG), "type": "image/png", "removed": False}
    ]
    assert attachment.message.conversation.channel == "chat"
    assert attachment.message.kind == Message.Kind.INCOMING
    assert len(stored_files(media)) == 1 and stored_files(media)[0].read_bytes() == PNG
    assert stored_files(media)[0].name == attachment.key  # never the shopper's name on disk


def test_a_file_without_a_caption_is_a_message_with_empty_text_titled_by_its_name(client, store):
    token = start(client, store)["token"]

    response = upload(client, store, token, PDF, name="faktura.pdf", browser_type="application/pdf")

    assert response.status_code == 201, response.content
    message = Message.objects.get()
    assert message.text == "" and message.conversation.subject == "faktura.pdf"
    assert Attachment.objects.get().content_type == "application/pdf"


@pytest.mark.parametrize(
    ("content", "name", "expected_type", "expected_name"),
    [
        (PNG, "a.png", "image/png", "a.png"),
        (JPEG, "zdjęcie.JPEG", "image/jpeg", "zdjęcie.JPEG"),
        (GIF, "anim", "image/gif", "anim.gif"),
        (WEBP, "photo.png", "image/webp", "photo.png.webp"),  # the name's extension says nothing
        (PDF, "evil.html", "application/pdf", "evil.html.pdf"),
        (PNG, "..\\..\\C:\\windows\\x.png", "image/png", "x.png"),
        (PNG, "invoice\u202egnp.exe", "image/png", "invoicegnp.exe.png"),  # no right-to-left override
        (PNG, "  .hidden\x00name.png ", "image/png", "hiddenname.png"),
    ],
)
def test_the_type_is_read_from_the_files_bytes_and_the_name_is_cleaned(
    client, store, content, name, expected_type, expected_name
):
    token = start(client, store)["token"]

    response = upload(client, store, token, content, name=name, browser_type="text/html")

    assert response.status_code == 201, response.content
    attachment = Attachment.objects.get()
    assert (attachment.content_type, attachment.filename) == (expected_type, expected_name)


@pytest.mark.parametrize(
    ("content", "named"),
    [(HTML, "HTML"), (SVG, "SVG"), (b"MZ\x90\x00 an executable", "PNG, JPEG, GIF or WebP"), (b"\x00", "PNG")],
)
def test_a_file_of_another_type_disguised_as_a_png_is_refused_and_nothing_is_stored(
    client, store, media, content, named
):
    token = start(client, store)["token"]

    response = upload(client, store, token, content, name="photo.png", browser_type="image/png")

    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "unsupported_type" and body["field"] == "file" and named in body["detail"]
    assert response["Access-Control-Allow-Origin"] == "*"
    assert (
        Message.objects.count() == 0 and Attachment.objects.count() == 0 and Conversation.objects.count() == 0
    )
    assert stored_files(media) == []


def test_a_file_over_the_limit_is_refused_naming_the_limit(client, store, media, settings):
    settings.CXLOOP_CHAT_MAX_FILE_BYTES = 2048
    token = start(client, store)["token"]

    response = upload(client, store, token, PNG + b"\x00" * 2048)

    assert response.status_code == 413
    assert response.json()["error"] == "body_too_large" and "2.0\xa0KB" in response.json()["detail"]
    assert Message.objects.count() == 0 and stored_files(media) == []
    assert start(client, store)["file_limit"] == 2048


def test_a_body_declared_far_over_the_limit_is_refused_before_it_is_read(client, store, media, settings):
    settings.CXLOOP_CHAT_MAX_FILE_BYTES = 1024
    token = start(client, store)["token"]

    response = upload(client, store, token, PNG + b"\x00" * 100_000)

    assert response.status_code == 413 and "1.0\xa0KB" in response.json()["detail"]
    assert Message.objects.count() == 0 and stored_files(media) == []


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"client_id": "f-1"}, "file"),
        ({"client_id": "", "file": SimpleUploadedFile("a.png", PNG)}, "client_id"),
        ({"client_id": "x" * 65, "file": SimpleUploadedFile("a.png", PNG)}, "client_id"),
        ({"client_id": "f-1", "file": SimpleUploadedFile("a.png", b"")}, "file"),
        ({"client_id": "f-1", "text": "a\x00b", "file": SimpleUploadedFile("a.png", PNG)}, "text"),
    ],
)
def test_bad_uploads_name_the_field_and_store_nothing(client, store, media, data, field):
    token = start(client, store)["token"]

    response = client.post(
        reverse("chat:upload", args=[store.slug]), data, headers={"Authorization": f"Bearer {token}"}
    )

    assert response.status_code == 422 and response.json()["field"] == field
    assert Message.objects.count() == 0 and stored_files(media) == []


def test_an_upload_needs_the_visitors_token_of_that_store(client, store, other_store):
    theirs = start(client, other_store)["token"]

    assert upload(client, store, "", PNG).status_code == 401
    assert upload(client, store, theirs, PNG).status_code == 401
    assert Message.objects.count() == 0


def test_a_visitor_may_send_a_limited_number_of_files_an_hour_and_a_retry_is_free(
    client, store, media, settings
):
    settings.CXLOOP_CHAT_FILES_PER_HOUR = 2
    token = start(client, store)["token"]
    assert upload(client, store, token, PNG, client_id="f-1").status_code == 201
    assert upload(client, store, token, PNG, client_id="f-2").status_code == 201

    refused = upload(client, store, token, PNG, client_id="f-3")
    retried = upload(client, store, token, PNG, client_id="f-1")
    someone_else = upload(client, store, start(client, store)["token"], PNG, client_id="f-3")

    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "2 files an hour" in refused.json()["detail"]
    assert retried.status_code == 200
    assert someone_else.status_code == 201  # the allowance is each visitor's own
    assert Attachment.objects.count() == 3 and len(stored_files(media)) == 3


# -- the agent's page and the widget ---------------------------------------------------------------


def test_the_agents_conversation_page_lists_the_file_and_serves_it_as_a_download(client, store, owner):
    token = start(client, store)["token"]
    upload(client, store, token, PNG, name="<img src=x onerror=alert(1)>.png")
    attachment = Attachment.objects.get()
    client.force_login(owner)

    html = client.get(
        reverse("helpdesk:conversation", args=[attachment.message.conversation_id])
    ).content.decode()
    served = client.get(
        reverse("helpdesk:attachment", args=[attachment.message.conversation_id, attachment.pk])
    )

    assert reverse("helpdesk:attachment", args=[attachment.message.conversation_id, attachment.pk]) in html
    assert "&lt;img src=x onerror=alert(1)&gt;.png" in html and "<img src=x" not in html
    assert served.status_code == 200 and served["Content-Disposition"].startswith("attachment")


def test_a_reload_shows_the_file_and_the_widget_downloads_it_as_a_safe_image(client, store):
    token = start(client, store)["token"]
    upload(client, store, token, PNG, name="zdjecie.png")
    attachment = Attachment.objects.get()

    replayed = start(client, store, token)["messages"]
    served = download(client, store, token, attachment.pk)

    assert replayed[0]["attachments"][0]["id"] == attachment.pk
    assert served.status_code == 200 and b"".join(served.streaming_content) == PNG
    assert served["Content-Type"] == "image/png"
    assert (
        served["Content-Disposition"].startswith("attachment")
        and "zdjecie.png" in served["Content-Disposition"]
    )
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert served["Access-Control-Allow-Origin"] == "*"


def test_a_pdf_is_downloaded_as_bytes_not_a_document_to_open(client, store):
    token = start(client, store)["token"]
    upload(client, store, token, PDF, name="faktura.pdf")

    served = download(client, store, token, Attachment.objects.get().pk)

    assert served.status_code == 200 and served["Content-Type"] == "application/octet-stream"


def test_another_visitors_or_stores_file_answers_404(client, store, other_store):
    mine = start(client, store)["token"]
    upload(client, store, mine, PNG)
    attachment = Attachment.objects.get()
    another_visitor = start(client, store)["token"]
    upload(client, store, another_visitor, GIF, client_id="g-1")
    other_stores_visitor = start(client, other_store)["token"]

    assert download(client, store, another_visitor, attachment.pk).status_code == 404
    assert download(client, other_store, other_stores_visitor, attachment.pk).status_code == 404
    assert download(client, store, other_stores_visitor, attachment.pk).status_code == 401
    assert download(client, store, mine, attachment.pk + 1000).status_code == 404
    assert download(client, store, mine, "1e3").status_code == 404
    assert download(client, store, mine, attachment.pk).status_code == 200


def test_a_staff_notes_file_is_not_the_visitors_to_download(client, store, owner):
    token = start(client, store)["token"]
    upload(client, store, token, PNG)
    conversation = Conversation.objects.get()
    note = staff.add_note(conversation=conversation, text="internal", author=owner)
    secret = Attachment(
        store=store, message=note, key="k" * 32, filename="notatka.png", content_type="image/png",
        size=len(PNG), created_at=note.created_at,
    )  # fmt: skip
    secret.file.save(secret.key, ContentFile(PNG), save=True)

    assert download(client, store, token, secret.pk).status_code == 404
    assert all(
        m["attachments"] == [] or m["attachments"][0]["name"] != "notatka.png"
        for m in start(client, store, token)["messages"]
    )


# -- retention and erasure ------------------------------------------------------------------------


def test_erasing_the_shopper_removes_their_chat_files_and_the_widget_no_longer_serves_them(
    client, store, media, django_capture_on_commit_callbacks
):
    token = start(client, store)["token"]
    client.post(
        reverse("chat:contact", args=[store.slug]), json.dumps({"name": "Ania", "email": "ania@example.pl"}),
        content_type="application/json", headers={"Authorization": f"Bearer {token}"},
    )  # fmt: skip
    upload(client, store, token, PNG)
    attachment_id = Attachment.objects.get().pk
    assert len(stored_files(media)) == 1

    with django_capture_on_commit_callbacks(execute=True):
        erased = erase_contact(store=store, emails=["ANIA@example.pl"])

    assert erased == 1
    assert Attachment.objects.count() == 0 and stored_files(media) == []
    assert download(client, store, token, attachment_id).status_code == 404
    assert start(client, store, token)["messages"][0]["attachments"] == []


def test_retention_removes_a_resolved_chats_file_and_the_widget_says_it_was_removed(
    client, store, media, django_capture_on_commit_callbacks
):
    token = start(client, store)["token"]
    upload(client, store, token, PNG, name="stary.png")
    conversation = Conversation.objects.get()
    staff.set_status(conversation=conversation, status=Conversation.Status.RESOLVED, actor=None)
    now = dt.datetime.now(dt.UTC)
    Conversation.objects.filter(pk=conversation.pk).update(resolved_at=now - dt.timedelta(days=400))
    desk = settings_for(store)
    desk.attachment_retention_months = 12
    desk.save()

    with django_capture_on_commit_callbacks(execute=True):
        purged = purging.purge_expired_attachments(now=now)

    assert purged == 1 and stored_files(media) == []
    shown = start(client, store, token)["messages"][0]["attachments"]
    assert shown == [{"id": Attachment.objects.get().pk, "name": "stary.png", "size": len(PNG),
                      "type": "image/png", "removed": True}]  # fmt: skip
    assert download(client, store, token, shown[0]["id"]).status_code == 404


# -- the rules, one by one ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "expected"),
    [(PNG, "image/png"), (JPEG, "image/jpeg"), (GIF, "image/gif"), (b"GIF87a...", "image/gif"),
     (WEBP, "image/webp"), (PDF, "application/pdf"), (SVG, ""), (HTML, ""),
     (b"RIFF\x00\x00\x00\x00WAVE", ""), (b"%PD", ""), (b"", "")],
)  # fmt: skip
def test_sniff_reads_only_the_magic_bytes(head, expected):
    assert attachments.sniff(head) == expected


def test_a_file_refused_by_the_service_raises_before_anything_is_written(store, media, settings):
    settings.CXLOOP_CHAT_MAX_FILE_BYTES = 10
    visitor, _token = services.start(store=store)

    with pytest.raises(BodyTooLarge):
        attachments.send_file(
            visitor=visitor, file=ContentFile(PNG, name="a.png"), filename="a.png", client_id="1"
        )
    settings.CXLOOP_CHAT_MAX_FILE_BYTES = 1000
    with pytest.raises(InvalidInput) as refused:
        attachments.send_file(
            visitor=visitor, file=ContentFile(SVG, name="a.png"), filename="a.png", client_id="1"
        )

    assert refused.value.code == "unsupported_type" and "SVG" in refused.value.message
    assert Message.objects.count() == 0 and stored_files(media) == []


def test_the_preview_page_lets_the_widget_show_thumbnails_from_what_it_fetched(client, store):
    policy = client.get(reverse("chat:preview", args=[store.slug]))["Content-Security-Policy"]

    assert "img-src 'self' data: blob:" in policy and "script-src 'self';" in policy


def test_a_database_failure_after_the_file_was_written_leaves_neither_rows_nor_the_file(
    store, media, monkeypatch
):
    # given the attachment's row cannot be written (the file is already on disk by then)
    from django.db import DatabaseError

    def refuse(self, *args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(Attachment, "save", refuse)
    visitor, _token = services.start(store=store)

    # when the visitor sends a file
    with pytest.raises(DatabaseError):
        attachments.send_file(
            visitor=visitor, file=ContentFile(PNG, name="a.png"), filename="a.png", client_id="1"
        )

    # then the message was rolled back and the file deleted
    assert Message.objects.count() == 0 and Conversation.objects.count() == 0
    assert stored_files(media) == []


def test_the_upload_endpoint_answers_the_storefronts_preflight(client, store):
    response = client.options(reverse("chat:upload", args=[store.slug]))

    assert response.status_code == 204 and response["Access-Control-Allow-Origin"] == "*"
    assert "Authorization" in response["Access-Control-Allow-Headers"]
