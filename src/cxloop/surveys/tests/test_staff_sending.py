"""Sending a survey from the staff pages, following a send, invitations, the contact policy, the timeline."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cxloop.commerce.models import Customer
from cxloop.flows import services as flows_services
from cxloop.flows.models import ContactPolicy
from cxloop.surveys import services
from cxloop.surveys.models import Invitation, ManualSend
from cxloop.surveys.services import sends

from .factories import make_customer, make_survey


@pytest.fixture
def people(store):
    """Five customers: two may be asked, the others lack consent, an address, or were asked lately."""
    asked = make_customer(store, email="asked@example.pl")
    services.invite_customer(survey=make_survey(store, kind="csat"), customer=asked)
    return {
        "ok1": make_customer(store, email="ok1@example.pl"),
        "ok2": make_customer(store, email="OK2@Example.pl"),
        "no_consent": make_customer(store, email="nie@example.pl", consent=Customer.Consent.NOT_SUBSCRIBED),
        "no_email": make_customer(store, email=""),
        "asked": asked,
    }


def csv_file(text: str | bytes, name: str = "emails.csv") -> SimpleUploadedFile:
    data = text.encode() if isinstance(text, str) else text
    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_send_page_counts_who_will_be_skipped(staff_client, store, people):
    survey = make_survey(store)
    page = staff_client.get(f"/surveys/{survey.pk}/send/").content.decode()
    assert "5 customers" in page
    figures = dict(re.findall(r"<span>([^<]+)</span><strong>(\d+)</strong>", page))
    assert figures == {
        "Will be invited": "2",
        "Skipped: No email consent": "1",
        "Skipped: No email address": "1",
        "Skipped: Asked too recently": "1",
    }


def test_send_page_filters_like_the_customer_list(staff_client, store, people):
    survey = make_survey(store)
    response = staff_client.get(
        f"/surveys/{survey.pk}/send/",
        {"q": "ok"},
        headers={"HX-Request": "true", "HX-Target": "send-audience"},
    )
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="send-audience"')
    assert "2 customers" in page
    assert 'name="q" value="ok"' in page


def test_small_send_runs_at_once_and_summarises_per_reason(staff_client, store, people):
    # when
    survey = make_survey(store)
    response = staff_client.post(f"/surveys/{survey.pk}/send/", {"action": "send-filter"})
    # then
    send = ManualSend.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/surveys/{survey.pk}/sends/{send.pk}/"
    assert (send.status, send.total, send.processed, send.queued) == ("done", 5, 5, 2)
    assert send.skipped == {"no_consent": 1, "no_email": 1, "throttled": 1}
    assert Invitation.objects.filter(survey=survey, status="queued").count() == 2
    page = staff_client.get(response["Location"]).content.decode()
    assert "Queued for sending" in page
    assert "Asked too recently" in page
    assert "every 2s" not in page  # finished: no more polling


def test_large_send_runs_in_the_background_and_resumes(staff_client, store, people, monkeypatch):
    # given a send too large to run in the request
    monkeypatch.setattr(sends, "INLINE_LIMIT", 2)
    survey = make_survey(store)
    staff_client.post(f"/surveys/{survey.pk}/send/", {"action": "send-filter"})
    send = ManualSend.objects.get()
    assert (send.status, send.processed) == ("pending", 0)
    progress = staff_client.get(f"/surveys/{survey.pk}/sends/{send.pk}/").content.decode()
    assert 'hx-trigger="every 2s"' in progress
    # when a first worker invited the first customer and died, and a second runs the task
    first = min(c.pk for c in people.values())
    sends._invite_one(send, survey, Customer.objects.get(pk=first))
    sends.run_manual_send(send_id=send.pk)
    # then every customer was checked once
    send.refresh_from_db()
    assert (send.status, send.processed, send.queued) == ("done", 5, 2)
    assert Invitation.objects.filter(survey=survey).count() == 5
    assert sends.run_manual_send(send_id=send.pk).processed == 5  # running again changes nothing
    assert Invitation.objects.filter(survey=survey).count() == 5


def test_send_stops_when_the_survey_is_closed(store, people):
    survey = make_survey(store)
    send = ManualSend.objects.create(store=store, survey=survey, source="filter", total=5)
    services.close_survey(survey=survey)
    send = sends.run_manual_send(send_id=send.pk)
    assert (send.status, send.processed, send.error) == (
        "failed",
        0,
        "The survey was closed during the send.",
    )


def test_send_task_of_a_deleted_survey_does_nothing(store, people):
    from cxloop.surveys.tasks import run_manual_send_task

    survey = make_survey(store)
    send = ManualSend.objects.create(store=store, survey=survey, source="filter", total=5)
    survey.delete()
    assert run_manual_send_task.call(send.pk) == 0
    assert Invitation.objects.count() == 1  # only the people fixture's earlier survey


def test_draft_survey_cannot_be_sent(staff_client, store, people):
    survey = make_survey(store, active=False)
    page = staff_client.get(f"/surveys/{survey.pk}/send/").content.decode()
    assert "Activate it on its page before sending" in page
    assert 'value="send-filter"' not in page
    response = staff_client.post(f"/surveys/{survey.pk}/send/", {"action": "send-filter"})
    assert response.status_code == 409
    assert ManualSend.objects.count() == 0


def test_uploaded_list_is_checked_then_sent(staff_client, store, people):
    # given
    survey = make_survey(store)
    upload = csv_file(
        "Name,Email\nOla,ok1@EXAMPLE.pl\nJan,ok2@example.pl\nX,nobody@example.pl\nY,not-an-email\nZ,ok1@example.pl\n"
    )  # noqa: E501
    # when the file is checked
    checked = staff_client.post(f"/surveys/{survey.pk}/send/", {"action": "check-upload", "file": upload})
    page = checked.content.decode()
    # then it says what matched, and nothing is sent yet
    figures = dict(re.findall(r"<span>([^<]+)</span><strong>(\d+)</strong>", page))
    assert figures["Addresses in the file"] == "3"
    assert figures["Matched to customers"] == "2"
    assert figures["Not a customer (not added)"] == "1"
    assert figures["Not an email address"] == "1"
    assert figures["Repeated addresses"] == "1"
    assert "nobody@example.pl" in page
    assert Invitation.objects.filter(survey=survey).count() == 0
    # when it is sent
    token = re.search(r'name="upload" value="([^"]+)"', page).group(1)
    staff_client.post(f"/surveys/{survey.pk}/send/", {"action": "send-upload", "upload": token})
    # then the two matched customers are invited and no customer was created
    send = ManualSend.objects.get()
    assert (send.source, send.queued, send.unknown_emails) == ("upload", 2, ["nobody@example.pl"])
    invited = set(Invitation.objects.filter(survey=survey).values_list("customer_id", flat=True))
    assert invited == {people["ok1"].pk, people["ok2"].pk}
    assert Customer.objects.filter(email_key="nobody@example.pl").count() == 0


def test_upload_token_is_bound_to_its_survey(staff_client, store, people):
    survey, other = make_survey(store), make_survey(store, kind="ces")
    checked = staff_client.post(
        f"/surveys/{survey.pk}/send/", {"action": "check-upload", "file": csv_file("ok1@example.pl\n")}
    )
    token = re.search(r'name="upload" value="([^"]+)"', checked.content.decode()).group(1)
    for target, value in ((other, token), (survey, token[:-3] + "abc")):
        response = staff_client.post(
            f"/surveys/{target.pk}/send/", {"action": "send-upload", "upload": value}
        )
        assert response.status_code == 400
        assert "upload the file again" in response.content.decode()
    assert ManualSend.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The submitted file is empty."),
        (b"\n\n", "The file is empty."),
        (b"PK\x03\x04\x00\x00binary", "contains binary data"),
        ("ola@przykład.pl\nżółw".encode("latin-1", "replace") + b"\xff", "not UTF-8"),
        (b"name\nAnia\nOla\n", "No email addresses found"),
        ("email\n" + "".join(f"c{i}@example.pl\n" for i in range(10_001)), "at most 10,000"),
    ],
)
def test_bad_upload_is_refused_with_a_clear_message(staff_client, store, content, message):
    survey = make_survey(store)
    response = staff_client.post(
        f"/surveys/{survey.pk}/send/", {"action": "check-upload", "file": csv_file(content)}
    )
    assert response.status_code == 422
    assert message in response.content.decode()
    assert ManualSend.objects.count() == Invitation.objects.count() == 0


def test_invitations_are_listed_with_their_status_and_reason(staff_client, store, people):
    survey = make_survey(store)
    sends.start_manual_send(survey=survey, filters={})
    page = staff_client.get(f"/surveys/{survey.pk}/invitations/").content.decode()
    assert page.count("<tr>") == 6  # the header and five invitations
    assert "No email consent" in page
    skipped = staff_client.get(f"/surveys/{survey.pk}/invitations/", {"status": "queued"}).content.decode()
    assert skipped.count("<tr>") == 3


def test_invitation_list_is_paginated(staff_client, store):
    survey = make_survey(store)
    for index in range(51):
        services.invite_customer(survey=survey, customer=make_customer(store, email=f"p{index}@example.pl"))
    first = staff_client.get(f"/surveys/{survey.pk}/invitations/").content.decode()
    second = staff_client.get(f"/surveys/{survey.pk}/invitations/", {"page": 2}).content.decode()
    assert first.count("<tr>") == 51
    assert 'rel="next"' in first
    assert second.count("<tr>") == 2


# -- Contact policy -------------------------------------------------------------------------------------


def test_policy_page_shows_the_defaults_and_saves(staff_client, store):
    page = staff_client.get("/settings/contact-policy/").content.decode()
    assert 'value="90"' in page
    assert "Only customers who opted in to email" in page
    response = staff_client.post(
        "/settings/contact-policy/", {"survey_window_days": "30", "survey_audience": "not_opted_out"}
    )
    assert response.status_code == 302
    policy = ContactPolicy.objects.get(store=store)
    assert (policy.survey_window_days, policy.survey_audience) == (30, "not_opted_out")


@pytest.mark.parametrize(
    "data",
    [
        {"survey_window_days": "0", "survey_audience": "opted_in"},
        {"survey_window_days": "366", "survey_audience": "opted_in"},
        {"survey_window_days": "abc", "survey_audience": "opted_in"},
        {"survey_window_days": "30", "survey_audience": "everyone"},
    ],
)
def test_bad_policy_is_422_and_unchanged(staff_client, store, data):
    flows_services.set_contact_policy(store=store, survey_window_days=60, survey_audience="opted_in")
    response = staff_client.post("/settings/contact-policy/", data)
    assert response.status_code == 422
    policy = ContactPolicy.objects.get(store=store)
    assert (policy.survey_window_days, policy.survey_audience) == (60, "opted_in")


# -- The customer's timeline ----------------------------------------------------------------------------


def test_customer_timeline_shows_survey_answers_escaped(staff_client, store):
    survey = make_survey(store)
    customer = make_customer(store)
    invitation = services.invite_customer(survey=survey, customer=customer)
    answer = services.clean_answer(survey, score=10, comment='<img src=x onerror="alert(1)"> Świetnie')
    services.record_invitation_answer(invitation=invitation, answer=answer)
    page = staff_client.get(f"/customers/{customer.pk}/").content.decode()
    assert "NPS survey" in page
    assert "Score 10" in page
    assert "Promoter" in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; Świetnie" in page
    assert "<img src=x" not in page


def test_customer_timeline_has_no_other_customers_answers(staff_client, store):
    survey = make_survey(store)
    other = make_customer(store, email="other@example.pl")
    invitation = services.invite_customer(survey=survey, customer=other)
    services.record_invitation_answer(invitation=invitation, answer=services.clean_answer(survey, score=1))
    customer = make_customer(store, email="me@example.pl")
    assert "NPS survey" not in staff_client.get(f"/customers/{customer.pk}/").content.decode()


def test_no_send_button_when_the_policy_allows_nobody(staff_client, store):
    survey = make_survey(store)
    make_customer(store, email="nie@example.pl", consent=Customer.Consent.NOT_SUBSCRIBED)
    page = staff_client.get(f"/surveys/{survey.pk}/send/").content.decode()
    assert "allows asking none of these customers now" in page
    assert 'value="send-filter"' not in page


def test_a_send_whose_task_never_reached_the_queue_is_finished_by_the_sweep(
    store, people, task_worker, time_machine, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    # given a background send committed by a process that died before enqueuing its task
    time_machine.move_to(timezone.now(), tick=False)
    with django_capture_on_commit_callbacks(execute=False):
        send = sends.start_manual_send(survey=make_survey(store), filters={}, inline_limit=0)
    assert task_worker.ready("cxloop.surveys.tasks.run_manual_send_task") == []

    # when the periodic sweep runs a minute later, and again
    time_machine.shift(61)
    with task_worker.committing():
        found = sends.resume_stranded_sends()
    again = sends.resume_stranded_sends()
    task_worker.run_ready()

    # then the send ran once to its end
    send.refresh_from_db()
    assert (found, again) == (1, 0)
    assert (send.status, send.processed, send.queued) == ("done", 5, 2)


def button_label(page: str) -> str:
    return re.search(r'<button type="submit" class="button button--primary">([^<]+)</button>', page).group(1)


def test_send_button_names_the_customers_who_will_be_invited_not_all_who_match(staff_client, store, people):
    # given 5 matching customers of whom the policy lets 2 be asked
    survey = make_survey(store)
    # when the owner opens the send page
    page = staff_client.get(f"/surveys/{survey.pk}/send/").content.decode()
    # then the button says the same number as "Will be invited", and why the rest are left out
    assert button_label(page) == "Send to 2 customers"
    assert "3 customers are skipped, for the reasons above." in page


def test_upload_send_button_names_the_customers_who_will_be_invited(staff_client, store, people):
    # given a file of three customers, one without email consent
    survey = make_survey(store)
    upload = csv_file("email\nok1@example.pl\nok2@example.pl\nnie@example.pl\n")
    # when it is checked
    page = staff_client.post(
        f"/surveys/{survey.pk}/send/", {"action": "check-upload", "file": upload}
    ).content.decode()
    # then the button counts only the two who will be invited
    assert button_label(page) == "Send to 2 customers"
    # and sending invites exactly those two
    token = re.search(r'name="upload" value="([^"]+)"', page).group(1)
    staff_client.post(f"/surveys/{survey.pk}/send/", {"action": "send-upload", "upload": token})
    assert ManualSend.objects.get().queued == 2
