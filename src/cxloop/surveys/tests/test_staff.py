"""The staff pages of surveys: list, builder with preview, roles, activate and close, logo."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cxloop.surveys import services
from cxloop.surveys.models import Question, Survey

from .factories import make_customer, make_survey

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40


def builder_data(**extra) -> dict:
    data = {
        "name": "Po zakupie",
        "trigger": "order_fulfilled",
        "delay_days": "5",
        "sampling_percent": "100",
        "link_valid_days": "14",
        "brand_color": "#0F766E",
        "low_score_rule": "on",
        "low_score_tag": "detractor",
        "lang": "en",
    }
    return data | extra


def preview_key(content: bytes) -> str:
    return re.search(rb"/surveys/previews/([\w-]+)/email/", content).group(1).decode()


# -- List -----------------------------------------------------------------------------------------------


def test_empty_list_invites_to_create_the_first_survey(staff_client):
    response = staff_client.get("/surveys/")
    assert response.status_code == 200
    assert "No surveys yet" in response.content.decode()
    assert 'href="/surveys/new/"' in response.content.decode()


def test_list_shows_counts_and_the_nps(staff_client, store):
    # given 3 promoters and 1 detractor: NPS = (3 - 1) / 4 = +50
    survey = make_survey(store)
    for index, score in enumerate([10, 9, 9, 2]):
        invitation = services.invite_customer(
            survey=survey, customer=make_customer(store, email=f"c{index}@example.pl")
        )
        services.record_invitation_answer(
            invitation=invitation, answer=services.clean_answer(survey, score=score)
        )
    # when
    page = staff_client.get("/surveys/").content.decode()
    # then
    assert "NPS survey" in page
    assert "+50" in page


def test_list_of_many_surveys_takes_a_fixed_number_of_queries(
    staff_client, store, django_assert_max_num_queries
):
    for kind in ("nps", "csat", "ces", "nps", "csat"):
        make_survey(store, kind=kind)
    with django_assert_max_num_queries(12):
        assert staff_client.get("/surveys/").status_code == 200


def test_agent_reads_but_has_no_new_button(agent_client, store):
    make_survey(store)
    page = agent_client.get("/surveys/").content.decode()
    assert "NPS survey" in page
    assert "/surveys/new/" not in page


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/surveys/new/"),
        ("get", "/surveys/new/nps/"),
        ("post", "/surveys/new/nps/"),
        ("get", "/surveys/{id}/edit/"),
        ("post", "/surveys/{id}/edit/"),
        ("post", "/surveys/{id}/preview/"),
        ("post", "/surveys/{id}/activate/"),
        ("post", "/surveys/{id}/close/"),
        ("get", "/surveys/{id}/send/"),
        ("post", "/surveys/{id}/send/"),
        ("get", "/settings/contact-policy/"),
        ("post", "/settings/contact-policy/"),
    ],
)
def test_agent_cannot_write(agent_client, store, method, path):
    survey = make_survey(store)
    response = getattr(agent_client, method)(path.format(id=survey.pk), builder_data())
    assert response.status_code == 403
    survey.refresh_from_db()
    assert (survey.name, survey.status, Survey.objects.count()) == ("NPS survey", "active", 1)


@pytest.mark.parametrize("path", ["/surveys/{id}/", "/surveys/{id}/invitations/"])
def test_agent_may_read_a_survey(agent_client, store, path):
    survey = make_survey(store)
    assert agent_client.get(path.format(id=survey.pk)).status_code == 200


@pytest.mark.parametrize(
    "path",
    ["/surveys/{id}/", "/surveys/{id}/edit/", "/surveys/{id}/send/", "/surveys/{id}/invitations/"],
)
def test_another_stores_survey_is_404(staff_client, other_store, path):
    theirs = make_survey(other_store)
    assert staff_client.get(path.format(id=theirs.pk)).status_code == 404


# -- Builder --------------------------------------------------------------------------------------------


def test_builder_shows_shipped_defaults_as_placeholders_per_language(staff_client):
    page = staff_client.get("/surveys/new/nps/").content.decode()
    assert 'placeholder="How likely are you to recommend Sklep Ania to a friend or colleague?"' in page
    assert 'name="text__fa__question"' in page
    assert 'name="text__zh-hans__question"' in page
    assert re.search(r'name="text__fa__question"[^>]*dir="rtl"', page)
    assert 'sandbox src="/surveys/previews/' in page
    assert "allow-scripts" not in page


def test_create_survey_keeps_only_the_texts_the_owner_typed(staff_client, store, owner):
    data = builder_data(
        text__pl__question="Czy poleciłbyś nas?",
        text__fa__thank_you="سپاس از شما",
        text__en__question="   ",
        notify_user_ids=[str(owner.pk)],
    )
    response = staff_client.post("/surveys/new/nps/", data)
    survey = Survey.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/surveys/{survey.pk}/"
    assert (survey.kind, survey.status, survey.delay_days, survey.brand_color) == (
        "nps",
        "draft",
        5,
        "#0f766e",
    )
    assert survey.texts == {"pl": {"question": "Czy poleciłbyś nas?"}, "fa": {"thank_you": "سپاس از شما"}}
    assert survey.notify_user_ids == [owner.pk]
    assert survey.created_by == owner


@pytest.mark.parametrize(
    ("change", "field_text"),
    [
        ({"name": ""}, "This field is required"),
        ({"brand_color": "red"}, "Write a colour as #RRGGBB."),
        ({"sampling_percent": "0"}, "greater than or equal to 1"),
        ({"link_valid_days": "30"}, "less than or equal to 14"),
        ({"text__pl__question": "x" * 501}, "at most 500 characters"),
        ({"text__pl__question": "zła\u202etreść"}, "Contains a"),
    ],
)
def test_bad_builder_input_is_422_and_nothing_is_saved(staff_client, change, field_text):
    response = staff_client.post("/surveys/new/nps/", builder_data(**change))
    assert response.status_code == 422
    assert field_text in response.content.decode()
    assert Survey.objects.count() == 0


def test_kind_never_changes_on_edit(staff_client, store):
    survey = make_survey(store, kind="csat")
    staff_client.post(f"/surveys/{survey.pk}/edit/", builder_data(kind="nps", name="Nowa"))
    survey.refresh_from_db()
    assert (survey.kind, survey.name) == ("csat", "Nowa")


def test_clearing_a_text_falls_back_to_the_default(staff_client, store):
    survey = make_survey(store, texts={"pl": {"question": "Stare"}, "de": {"question": "Alt"}})
    page = staff_client.get(f"/surveys/{survey.pk}/edit/").content.decode()
    assert "Stare</textarea>" in page
    staff_client.post(
        f"/surveys/{survey.pk}/edit/", builder_data(text__pl__question="", text__de__question="Alt")
    )
    survey.refresh_from_db()
    assert survey.texts == {"de": {"question": "Alt"}}


def test_logo_upload_is_checked_by_content_and_served_with_nosniff(staff_client, client, store):
    survey = make_survey(store)
    logo = SimpleUploadedFile("logo.svg", PNG, content_type="image/svg+xml")
    response = staff_client.post(f"/surveys/{survey.pk}/edit/", builder_data(logo=logo))
    assert response.status_code == 302
    served = client.get(f"/survey-logos/{survey.public_id}/")
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served.content == PNG


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "PNG, JPEG or WebP"),
        (b"GIF89a" + b"\x00" * 20, "PNG, JPEG or WebP"),
        (PNG + b"\x00" * 200_001, "larger than 200 KB"),
    ],
)
def test_bad_logo_is_refused(staff_client, store, content, message):
    survey = make_survey(store)
    logo = SimpleUploadedFile("logo.png", content, content_type="image/png")
    response = staff_client.post(f"/surveys/{survey.pk}/edit/", builder_data(logo=logo))
    assert response.status_code == 422
    assert message in response.content.decode()
    survey.refresh_from_db()
    assert (bytes(survey.logo), survey.logo_type) == (b"", "")


def test_missing_logo_is_404(client, store):
    survey = make_survey(store)
    assert client.get(f"/survey-logos/{survey.public_id}/").status_code == 404


# -- Custom questions -----------------------------------------------------------------------------------


def custom_data(**extra) -> dict:
    return (
        builder_data(trigger="manual")
        | {
            "q-count": "2",
            "q-0-kind": "rating",
            "q-0-scale_max": "5",
            "q-0-required": "on",
            "q-0-text-en": "How do you rate the product?",
            "q-0-text-pl": "Jak oceniasz produkt?",
            "q-1-kind": "single",
            "q-1-scale_max": "5",
            "q-1-text-en": "Would you buy again?",
            "q-1-choices-en": "Yes\nNo\n",
            "q-1-choices-pl": "Tak\r\nNie",
        }
        | extra
    )


def test_custom_survey_is_created_with_its_questions(staff_client):
    response = staff_client.post("/surveys/new/custom/", custom_data())
    assert response.status_code == 302
    questions = list(Question.objects.order_by("position"))
    assert [(q.kind, q.required, q.scale_max) for q in questions] == [
        ("rating", True, 5),
        ("single", False, 5),
    ]
    assert questions[0].texts == {"en": "How do you rate the product?", "pl": "Jak oceniasz produkt?"}
    assert questions[1].choices == [
        {"key": "1", "labels": {"en": "Yes", "pl": "Tak"}},
        {"key": "2", "labels": {"en": "No", "pl": "Nie"}},
    ]


def test_saving_unchanged_questions_keeps_their_ids(staff_client):
    staff_client.post("/surveys/new/custom/", custom_data())
    survey = Survey.objects.get()
    before = list(Question.objects.values_list("pk", flat=True))
    staff_client.post(f"/surveys/{survey.pk}/edit/", custom_data(name="Renamed"))
    assert list(Question.objects.values_list("pk", flat=True)) == before


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("add", ["How do you rate the product?", "Would you buy again?", ""]),
        ("remove-0", ["Would you buy again?"]),
        ("up-1", ["Would you buy again?", "How do you rate the product?"]),
        ("down-0", ["Would you buy again?", "How do you rate the product?"]),
    ],
)
def test_question_buttons_change_the_form_without_saving(staff_client, action, expected):
    response = staff_client.post("/surveys/new/custom/", custom_data(question_action=action))
    page = response.content.decode()
    assert response.status_code == 200
    assert Survey.objects.count() == 0
    shown = re.findall(r'name="q-\d+-text-en" value="([^"]*)"', page)
    assert shown == expected
    assert f'name="q-count" value="{len(expected)}"' in page


def test_choices_must_match_across_languages(staff_client):
    response = staff_client.post("/surveys/new/custom/", custom_data(**{"q-1-choices-pl": "Tak\nNie\nMoże"}))
    assert response.status_code == 422
    assert "same number of choices" in response.content.decode()
    assert Survey.objects.count() == 0


def test_a_choice_question_needs_two_choices(staff_client):
    response = staff_client.post(
        "/surveys/new/custom/", custom_data(**{"q-1-choices-en": "Only", "q-1-choices-pl": ""})
    )
    assert response.status_code == 422
    assert "2 to 20 choices" in response.content.decode()
    assert Survey.objects.count() == 0


# -- Preview --------------------------------------------------------------------------------------------


def test_preview_renders_the_unsaved_email_in_the_chosen_language(staff_client, store):
    # given an owner typing a Persian subject and intro, not saved
    survey = make_survey(store)
    data = builder_data(
        lang="fa", text__fa__email_intro="سلام! <b>نظر</b> شما چیست؟", text__fa__email_subject="نظرسنجی"
    )
    # when
    panel = staff_client.post(f"/surveys/{survey.pk}/preview/", data, headers={"HX-Request": "true"})
    email = staff_client.get(f"/surveys/previews/{preview_key(panel.content)}/email/")
    # then
    assert panel.status_code == 200
    assert panel.content.decode().count("<iframe") == 2
    assert "نظرسنجی" in panel.content.decode()
    html = email.content.decode()
    assert 'dir="rtl"' in html
    assert "سلام! &lt;b&gt;نظر&lt;/b&gt; شما چیست؟" in html
    assert "سارا" in html  # the sample customer's name
    assert "frame-ancestors 'self'" in email["Content-Security-Policy"]
    assert "sandbox" in email["Content-Security-Policy"]
    assert "script-src" not in email["Content-Security-Policy"]
    assert email["X-Frame-Options"] == "SAMEORIGIN"
    survey.refresh_from_db()
    assert survey.texts == {}


def test_preview_of_the_answer_page_shows_custom_questions(staff_client):
    panel = staff_client.post("/surveys/new/custom/preview/", custom_data(lang="pl"))
    page = staff_client.get(f"/surveys/previews/{preview_key(panel.content)}/page/")
    assert page.status_code == 200
    assert "Jak oceniasz produkt?" in page.content.decode()


def test_preview_without_javascript_re_renders_the_builder(staff_client):
    response = staff_client.post("/surveys/new/nps/", builder_data(preview="1", name="", lang="pl"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "This field is required" not in page
    assert 'id="lang-pl" value="pl" checked' in page
    assert Survey.objects.count() == 0


def test_preview_of_another_session_is_404(staff_client, client, owner):
    panel = staff_client.post("/surveys/new/nps/preview/", builder_data())
    key = preview_key(panel.content)
    client.force_login(owner)  # the same person in another browser
    assert client.get(f"/surveys/previews/{key}/email/").status_code == 404
    assert staff_client.get(f"/surveys/previews/{key}/other/").status_code == 404


def test_a_preview_key_that_is_not_ascii_is_404(staff_client):
    staff_client.post("/surveys/new/nps/preview/", builder_data())

    for key in ("%C2%80", "%D9%A1%D9%A2", "%F0%9F%98%80"):
        assert staff_client.get(f"/surveys/previews/{key}/email/").status_code == 404, key


# -- Activate and close ---------------------------------------------------------------------------------


def test_activate_then_close(staff_client, store):
    survey = make_survey(store, active=False)
    assert staff_client.post(f"/surveys/{survey.pk}/activate/").status_code == 302
    survey.refresh_from_db()
    assert survey.status == "active"
    staff_client.post(f"/surveys/{survey.pk}/close/")
    survey.refresh_from_db()
    assert survey.status == "closed"


def test_activating_a_custom_survey_without_questions_says_why(staff_client, store):
    survey = services.create_survey(store=store, name="Pusta", kind="custom")
    response = staff_client.post(f"/surveys/{survey.pk}/activate/", follow=True)
    assert "needs at least one question" in response.content.decode()
    survey.refresh_from_db()
    assert survey.status == "draft"


def test_activate_and_close_take_only_post(staff_client, store):
    survey = make_survey(store, active=False)
    assert staff_client.get(f"/surveys/{survey.pk}/activate/").status_code == 405
    survey.refresh_from_db()
    assert survey.status == "draft"


# -- Detail ---------------------------------------------------------------------------------------------


def test_detail_shows_answers_with_comments_escaped(staff_client, store):
    survey = make_survey(store)
    invitation = services.invite_customer(survey=survey, customer=make_customer(store))
    answer = services.clean_answer(survey, score=3, comment="<script>alert(1)</script> zła obsługa")
    services.record_invitation_answer(invitation=invitation, answer=answer)
    page = staff_client.get(f"/surveys/{survey.pk}/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; zła obsługa" in page
    assert "<script>alert(1)" not in page
    assert "Detractor" in page


# -- Triggers that need another app ---------------------------------------------------------------------


def test_builder_offers_asking_after_help_desk_conversations_with_the_help_desk_installed(staff_client):
    page = staff_client.get("/surveys/new/nps/").content.decode()
    assert 'value="order_fulfilled"' in page
    assert 'value="helpdesk_resolved"' in page


def test_builder_refuses_an_unknown_trigger_and_stores_nothing(staff_client):
    response = staff_client.post("/surveys/new/nps/", builder_data(trigger="after_a_phone_call"))
    assert response.status_code == 422
    assert Survey.objects.count() == 0


def test_survey_that_already_asks_after_help_desk_conversations_still_shows_and_saves(staff_client, store):
    # given a survey saved with the help-desk trigger (e.g. before the help desk was removed)
    survey = make_survey(store)
    Survey.objects.filter(pk=survey.pk).update(trigger=Survey.Trigger.HELPDESK_RESOLVED)
    # when the owner opens it and its builder, then saves another change
    detail = staff_client.get(f"/surveys/{survey.pk}/").content.decode()
    builder = staff_client.get(f"/surveys/{survey.pk}/edit/").content.decode()
    response = staff_client.post(
        f"/surveys/{survey.pk}/edit/", builder_data(name="Renamed", trigger="helpdesk_resolved")
    )
    # then it shows its trigger, keeps it, and takes the change
    assert "After a help-desk conversation is resolved" in detail
    assert 'value="helpdesk_resolved" selected' in builder
    assert response.status_code == 302
    survey.refresh_from_db()
    assert (survey.name, survey.trigger) == ("Renamed", Survey.Trigger.HELPDESK_RESOLVED)
