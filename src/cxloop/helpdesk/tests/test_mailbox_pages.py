"""The mailboxes pages: owners connect and test a support mailbox; agents and other stores cannot."""

import pytest
from django.urls import reverse

from cxloop.helpdesk.models import Mailbox

pytestmark = pytest.mark.django_db

USER = "support@sklep.test"
PASSWORD = "hasło-do-skrzynki"


def form(**changes):
    return {
        "address": "pomoc@sklep.test", "host": "imap.sklep.test", "port": "993", "security": "ssl",
        "username": USER, "password": PASSWORD, "folder": "INBOX", **changes,
    }  # fmt: skip


def make_mailbox(store, **fields):
    values = {
        "address": "pomoc@sklep.test", "host": "imap.sklep.test", "port": 993, "security": "ssl",
        "username": USER, "password": PASSWORD, **fields,
    }  # fmt: skip
    return Mailbox.objects.create(store=store, **values)


def test_an_owner_connects_a_mailbox_and_never_sees_its_password_again(store, staff_client):
    response = staff_client.post(reverse("helpdesk:mailbox-list"), form())

    mailbox = Mailbox.objects.get(store=store)
    assert response.status_code == 302
    assert response["Location"] == reverse("helpdesk:mailbox-detail", args=[mailbox.pk])
    assert (mailbox.host, mailbox.port, mailbox.password, mailbox.enabled) == (
        "imap.sklep.test", 993, PASSWORD, True,
    )  # fmt: skip
    page = staff_client.get(response["Location"])
    listing = staff_client.get(reverse("helpdesk:mailbox-list"))
    assert page.status_code == 200 and listing.status_code == 200
    assert PASSWORD not in page.content.decode() and PASSWORD not in listing.content.decode()
    assert "pomoc@sklep.test" in listing.content.decode()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"address": "not an address"}, "address"),
        ({"host": ""}, "host"),
        ({"port": "99999"}, "port"),
        ({"security": "telnet"}, "security"),
        ({"security": "none"}, "security"),  # unencrypted, and not to this machine
        ({"username": ""}, "username"),
        ({"password": ""}, "password"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_saved(store, staff_client, changes, field):
    response = staff_client.post(reverse("helpdesk:mailbox-list"), form(**changes))

    assert response.status_code == 422
    assert f'id="mailbox-{field}-error"' in response.content.decode()
    assert Mailbox.objects.count() == 0


def test_an_address_already_connected_is_refused(store, staff_client):
    make_mailbox(store)

    response = staff_client.post(reverse("helpdesk:mailbox-list"), form())

    assert response.status_code == 422
    assert "This address is already connected." in response.content.decode()
    assert Mailbox.objects.count() == 1


def test_saving_with_an_empty_password_keeps_it_and_a_new_folder_is_read_afresh(store, staff_client):
    mailbox = make_mailbox(store, uidvalidity=77, last_uid=40, last_error="The server did not answer.")

    response = staff_client.post(
        reverse("helpdesk:mailbox-detail", args=[mailbox.pk]), form(password="", folder="Support")
    )

    mailbox.refresh_from_db()
    assert response.status_code == 302
    assert (mailbox.password, mailbox.folder) == (PASSWORD, "Support")
    assert (mailbox.uidvalidity, mailbox.last_uid, mailbox.last_error) == (None, 0, "")


def test_test_connection_says_in_words_what_the_server_answered(store, staff_client, imap_server):
    # given
    imap_server.add_user(USER, PASSWORD)
    imap_server.append(USER, b"From: a@example.com\r\nSubject: Hej\r\n\r\nHej\r\n")
    mailbox = make_mailbox(store, host=imap_server.host, port=imap_server.port, security="none")
    url = reverse("helpdesk:mailbox-test", args=[mailbox.pk])

    # when
    signed_in = staff_client.post(url, follow=True)
    mailbox.password = "wrong"
    mailbox.save()
    refused = staff_client.post(url, follow=True)

    # then
    assert signed_in.status_code == refused.status_code == 200
    assert "Signed in; 1 message in INBOX." in signed_in.content.decode()
    assert "The server refused the user name or password." in refused.content.decode()
    assert "Signed in" not in refused.content.decode()


def test_the_last_problem_is_shown_as_text(store, staff_client):
    mailbox = make_mailbox(store, last_error="<script>alert(1)</script>")

    page = staff_client.get(reverse("helpdesk:mailbox-detail", args=[mailbox.pk])).content.decode()

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_an_owner_stops_and_starts_reading_a_mailbox(store, staff_client):
    mailbox = make_mailbox(store)
    url = reverse("helpdesk:mailbox-enabled", args=[mailbox.pk])

    staff_client.post(url, {"enabled": "0"})
    mailbox.refresh_from_db()
    stopped = mailbox.enabled
    staff_client.post(url, {"enabled": "1"})
    mailbox.refresh_from_db()

    assert (stopped, mailbox.enabled) == (False, True)
    assert staff_client.get(url).status_code == 405


def test_agents_may_not_see_or_change_mailboxes(store, agent_client):
    mailbox = make_mailbox(store)

    assert agent_client.get(reverse("helpdesk:mailbox-list")).status_code == 403
    added = agent_client.post(reverse("helpdesk:mailbox-list"), form(address="x@sklep.test"))
    assert added.status_code == 403
    assert agent_client.get(reverse("helpdesk:mailbox-detail", args=[mailbox.pk])).status_code == 403
    assert agent_client.post(reverse("helpdesk:mailbox-enabled", args=[mailbox.pk])).status_code == 403
    assert Mailbox.objects.count() == 1 and Mailbox.objects.get().enabled


@pytest.mark.parametrize("name", ["mailbox-detail", "mailbox-test", "mailbox-enabled"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_another_stores_mailbox_is_404(store, other_store, staff_client, name, method):
    theirs = make_mailbox(other_store, enabled=True)

    response = getattr(staff_client, method)(reverse(f"helpdesk:{name}", args=[theirs.pk]), form())

    theirs.refresh_from_db()
    assert response.status_code == 404
    assert (theirs.folder, theirs.enabled, theirs.password) == ("INBOX", True, PASSWORD)
