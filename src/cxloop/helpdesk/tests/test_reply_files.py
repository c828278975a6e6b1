"""Agents attach files to replies and notes: checked by their bytes, stored with the message, or refused."""

import pytest
from django.core.files.storage import default_storage
from django.db import DatabaseError
from django.urls import reverse

from cxloop.core.errors import BodyTooLarge, InvalidInput
from cxloop.helpdesk.models import Attachment, Message
from cxloop.helpdesk.services import conversations as services

from .factories import customer_writes, open_conversation
from .files import EXE, HTML, PDF, PNG, SVG, stored_files, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


def staff_messages():
    return Message.objects.exclude(kind=Message.Kind.INCOMING)


# -- the service ----------------------------------------------------------------------------------


def test_a_reply_keeps_its_files_as_attachments_of_the_outgoing_message(store, agent, media):
    conversation, _message = open_conversation(store)

    reply = services.reply(
        conversation=conversation, author=agent, text="Faktura i zdjęcie w załączniku.",
        files=[upload("faktura-łódź.pdf", PDF, "text/html"), upload("发票照片.png", PNG)],
    )  # fmt: skip

    assert reply.delivery == Message.Delivery.QUEUED
    stored = list(reply.attachments.order_by("pk"))
    assert [(a.filename, a.content_type, a.size) for a in stored] == [
        ("faktura-łódź.pdf", "application/pdf", len(PDF)),
        ("发票照片.png", "image/png", len(PNG)),
    ]
    assert all(a.store_id == store.pk and a.created_at == reply.created_at for a in stored)
    assert [default_storage.open(a.file.name).read() for a in stored] == [PDF, PNG]
    assert sorted(path.name for path in stored_files(media)) == sorted(
        a.key for a in stored
    )  # never the name


@pytest.mark.parametrize(
    ("content", "name", "says"),
    [
        (HTML, "faktura.pdf", "faktura.pdf: an HTML page is not taken"),
        (SVG, "logo.png", "logo.png: an SVG image is not taken"),
        (EXE, "zdjęcie.jpg", "zdjęcie.jpg: a program is not taken"),
        (b"#!/bin/sh\nrm -rf ~\n", "label.pdf", "label.pdf: a program is not taken"),
        (
            b"PK\x03\x04\x14\x00\x06\x00",
            "umowa.docx",
            "umowa.docx: not a PNG, JPEG, GIF or WebP image nor a PDF",
        ),
    ],
)
def test_a_file_of_another_type_is_refused_by_its_bytes_naming_it_and_nothing_is_stored(
    store, agent, media, content, name, says
):
    conversation, _message = open_conversation(store)

    with pytest.raises(InvalidInput) as refused:
        services.reply(
            conversation=conversation, author=agent, text="Proszę",
            files=[upload("dobry.pdf", PDF), upload(name, content, "application/pdf")],
        )  # fmt: skip

    assert refused.value.code == "unsupported_type" and refused.value.field == "files"
    assert refused.value.message.startswith(says)
    assert not staff_messages().exists() and not Attachment.objects.exists() and stored_files(media) == []


def test_a_file_over_the_limit_is_refused_naming_it_and_the_limit(store, agent, media, settings):
    settings.CXLOOP_REPLY_MAX_FILE_BYTES = 1024
    conversation, _message = open_conversation(store)

    with pytest.raises(BodyTooLarge) as refused:
        services.reply(
            conversation=conversation, author=agent, text="x", files=[upload("duży.pdf", PDF + b"\0" * 1024)]
        )

    assert refused.value.status == 413
    assert (
        refused.value.message
        == "duży.pdf: larger than 1.0\xa0KB, the largest file a reply or a note may carry."
    )
    assert not staff_messages().exists() and stored_files(media) == []


def test_files_over_the_total_are_refused_though_each_is_within_its_limit(store, agent, media, settings):
    settings.CXLOOP_REPLY_MAX_FILE_BYTES, settings.CXLOOP_REPLY_MAX_TOTAL_BYTES = 1024, 1500
    conversation, _message = open_conversation(store)
    files = [upload("a.pdf", PDF + b"\0" * 700), upload("b.pdf", PDF + b"\0" * 700)]

    with pytest.raises(BodyTooLarge) as refused:
        services.reply(conversation=conversation, author=agent, text="x", files=files)

    assert "together" in refused.value.message and "1.5\xa0KB in all" in refused.value.message
    assert not staff_messages().exists() and stored_files(media) == []


def test_an_empty_file_is_refused_and_a_reply_of_files_alone_needs_no_text(store, agent):
    conversation, _message = open_conversation(store)

    with pytest.raises(InvalidInput) as empty:
        services.reply(conversation=conversation, author=agent, text="x", files=[upload("pusty.pdf", b"")])
    with pytest.raises(InvalidInput) as wordless:
        services.reply(conversation=conversation, author=agent, text="  ")
    files_alone = services.reply(
        conversation=conversation, author=agent, text="", files=[upload("a.pdf", PDF)]
    )

    assert empty.value.message == "pusty.pdf: the file is empty."
    assert wordless.value.message == "Write something first."
    assert files_alone.text == "" and files_alone.attachments.count() == 1


def test_a_failure_after_the_files_were_written_leaves_neither_rows_nor_files(
    store, agent, media, monkeypatch
):
    conversation, _message = open_conversation(store)

    def fail(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(services, "update_sla", fail)  # runs after the attachments were written

    with pytest.raises(DatabaseError):
        services.reply(conversation=conversation, author=agent, text="x", files=[upload("a.pdf", PDF)])

    assert not staff_messages().exists() and not Attachment.objects.exists() and stored_files(media) == []


def test_a_note_keeps_its_files_too(store, agent):
    conversation, _message = open_conversation(store)

    note = services.add_note(
        conversation=conversation, author=agent, text="", files=[upload("skan.png", PNG)]
    )

    assert note.kind == Message.Kind.NOTE and note.attachments.get().filename == "skan.png"


# -- the conversation page ------------------------------------------------------------------------


def post_reply(client, conversation, seen, *files, **fields):
    data = {"text": "Etykieta zwrotna w załączniku.", "seen_last_message_id": seen.pk, **fields}
    if files:
        data["files"] = list(files)
    return client.post(reverse("helpdesk:reply", args=[conversation.pk]), data)


def test_an_agent_attaches_files_from_the_page_and_the_thread_lists_them(store, agent_client):
    conversation, message = open_conversation(store)

    response = post_reply(
        agent_client, conversation, message, upload("etykieta.pdf", PDF), upload("a.png", PNG)
    )

    assert response.status_code == 302
    reply = Message.objects.get(kind="reply")
    assert sorted(reply.attachments.values_list("filename", flat=True)) == ["a.png", "etykieta.pdf"]
    page = agent_client.get(reverse("helpdesk:conversation", args=[conversation.pk])).content.decode()
    pdf = reply.attachments.get(filename="etykieta.pdf")
    assert reverse("helpdesk:attachment", args=[conversation.pk, pdf.pk]) in page
    served = agent_client.get(reverse("helpdesk:attachment", args=[conversation.pk, pdf.pk]))
    assert served.status_code == 200 and b"".join(served.streaming_content) == PDF


def test_the_reply_form_offers_a_file_input_with_the_limits(store, agent_client, settings):
    conversation, _message = open_conversation(store)

    page = agent_client.get(reverse("helpdesk:conversation", args=[conversation.pk])).content.decode()

    assert page.count('enctype="multipart/form-data"') == 2  # the reply and the note
    assert '<input type="file" class="attach__input" id="reply-files" name="files" multiple' in page
    assert 'id="note-files"' in page and "Attach files" in page
    assert "up to 10.0\xa0MB each, 25.0\xa0MB in all" in page
    assert f'data-max-file="{settings.CXLOOP_REPLY_MAX_FILE_BYTES}"' in page


def test_a_disguised_page_is_refused_with_the_draft_kept_and_nothing_sent(store, agent_client, media):
    conversation, message = open_conversation(store)

    response = post_reply(agent_client, conversation, message, upload("zwrot.pdf", HTML, "application/pdf"))

    assert response.status_code == 422
    page = response.content.decode()
    assert "zwrot.pdf: an HTML page is not taken, whatever its name" in page
    assert "Etykieta zwrotna w załączniku.</textarea>" in page  # the draft stays
    assert "The file you had chosen was not kept: choose it again." in page
    assert not staff_messages().exists() and stored_files(media) == []


def test_a_file_too_large_is_413_from_the_page(store, agent_client, media, settings):
    settings.CXLOOP_REPLY_MAX_FILE_BYTES = 1024
    conversation, message = open_conversation(store)

    response = post_reply(agent_client, conversation, message, upload("skan.pdf", PDF + b"\0" * 2048))

    assert response.status_code == 413 and "skan.pdf: larger than 1.0\xa0KB" in response.content.decode()
    assert not staff_messages().exists() and stored_files(media) == []


def test_another_stores_conversation_is_404_and_its_files_are_not_stored(
    store, other_store, agent_client, media
):
    theirs, message = open_conversation(other_store)

    reply = post_reply(agent_client, theirs, message, upload("a.pdf", PDF))
    note = agent_client.post(
        reverse("helpdesk:note", args=[theirs.pk]), {"text": "x", "files": [upload("a.pdf", PDF)]}
    )

    assert reply.status_code == 404 and note.status_code == 404
    assert not staff_messages().exists() and stored_files(media) == []


def test_the_script_gets_the_main_column_back_and_a_sent_reply_redirects_it(store, agent_client):
    conversation, message = open_conversation(store)
    script = {"HX-Request": "true", "HX-Target": "conversation-main"}

    refused = agent_client.post(
        reverse("helpdesk:reply", args=[conversation.pk]),
        {"text": "x", "seen_last_message_id": message.pk, "files": [upload("logo.png", SVG)]},
        headers=script,
    )
    sent = agent_client.post(
        reverse("helpdesk:reply", args=[conversation.pk]),
        {"text": "x", "seen_last_message_id": message.pk, "files": [upload("logo.png", PNG)]},
        headers=script,
    )

    assert refused.status_code == 422
    column = refused.content.decode()
    assert "<html" not in column and 'id="reply-files"' in column and 'role="alert"' in column
    assert "logo.png: an SVG image is not taken" in column
    assert "not kept" not in column  # the script puts the chosen files back itself
    assert sent.status_code == 204
    assert sent["HX-Redirect"] == reverse("helpdesk:conversation", args=[conversation.pk])
    assert Message.objects.get(kind="reply").attachments.get().filename == "logo.png"


def test_a_reply_with_files_after_a_newer_message_asks_first_and_stores_nothing_until_confirmed(
    store, agent_client, media
):
    conversation, message = open_conversation(store)
    customer_writes(store, conversation, text="Jednak anuluję zamówienie")

    asked = post_reply(agent_client, conversation, message, upload("etykieta.pdf", PDF))
    assert asked.status_code == 409
    page = asked.content.decode()
    assert "Jednak anuluję zamówienie" in page and "Send anyway" in page and 'id="reply-files"' in page
    assert not staff_messages().exists() and stored_files(media) == []

    confirmed = post_reply(agent_client, conversation, message, upload("etykieta.pdf", PDF), confirm="1")
    assert confirmed.status_code == 302
    assert Message.objects.get(kind="reply").attachments.get().filename == "etykieta.pdf"


def test_a_note_takes_files_from_the_page_and_a_refused_one_keeps_the_note(store, agent_client, media):
    conversation, _message = open_conversation(store)
    url = reverse("helpdesk:note", args=[conversation.pk])

    refused = agent_client.post(url, {"text": "skan paragonu", "files": [upload("paragon.jpg", EXE)]})
    added = agent_client.post(url, {"text": "skan paragonu", "files": [upload("paragon.png", PNG)]})

    assert refused.status_code == 422
    assert "paragon.jpg: a program is not taken" in refused.content.decode()
    assert "skan paragonu</textarea>" in refused.content.decode()
    assert added.status_code == 302
    assert Message.objects.get(kind="note").attachments.get().filename == "paragon.png"
