"""What a customer's click on a score link costs the database: one read, and a write only the first time.

The counts are exact on purpose: a change that adds a query to the answer page shows here.
"""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cxloop.core.models import Store
from cxloop.surveys import queries, services
from cxloop.surveys.models import Invitation, Question, Survey
from cxloop.surveys.views import public_pages

from .factories import make_customer, make_survey
from .test_public_answer import invite, link

pytestmark = pytest.mark.django_db


def open_page(client, invitation, suffix="?score=9"):
    with CaptureQueriesContext(connection) as captured:
        page = client.get(link(invitation, suffix))
    assert page.status_code == 200
    return page, [query["sql"] for query in captured.captured_queries]


def writes(statements):
    return [sql for sql in statements if not sql.lstrip().upper().startswith("SELECT")]


def test_the_first_open_reads_the_link_in_one_query_and_marks_it_opened(store):
    invitation = invite(store)

    page, statements = open_page(Client(), invitation)

    assert len(statements) == 2, statements  # the invitation with survey, store and answer; opened_at
    assert "surveys_survey" in statements[0] and "core_store" in statements[0]
    assert "surveys_response" in statements[0]
    assert "commerce_customer" not in statements[0]
    assert writes(statements) == [statements[1]] and "opened_at" in statements[1]
    invitation.refresh_from_db()
    assert invitation.opened_at is not None


def test_a_repeat_open_reads_once_and_writes_nothing(store):
    invitation = invite(store)
    client = Client()
    open_page(client, invitation)
    first_opened = Invitation.objects.get(pk=invitation.pk).opened_at

    page, statements = open_page(client, invitation, "?score=3")

    assert len(statements) == 1, statements
    assert writes(statements) == []
    assert Invitation.objects.get(pk=invitation.pk).opened_at == first_opened
    assert 'value="3" data-band="low" required checked' in page.content.decode()


def test_the_page_sets_no_cookie_and_reads_no_session(store):
    invitation = invite(store)

    page, statements = open_page(Client(), invitation)

    assert page.cookies == {}
    assert not [sql for sql in statements if "django_session" in sql]


def test_an_answered_link_shows_the_answer_read_in_the_same_query(store):
    invitation = invite(store)
    client = Client()
    client.post(link(invitation), {"score": "5", "comment": "Średnio"})
    open_page(client, invitation)

    page, statements = open_page(client, invitation, "")

    assert len(statements) == 1, statements
    html = page.content.decode()
    assert 'value="5" data-band="low" required checked' in html
    assert ">Średnio</textarea>" in html


def test_the_thanks_page_is_one_query(store):
    invitation = invite(store)
    client = Client()
    sent = client.post(link(invitation), {"score": "9", "comment": "Szybko"})

    with CaptureQueriesContext(connection) as captured:
        thanks = client.get(sent["Location"])

    assert thanks.status_code == 200
    assert "Szybko" in thanks.content.decode()
    assert len(captured.captured_queries) == 1


def test_a_custom_survey_page_adds_one_query_for_its_questions(store):
    survey = make_survey(store, kind="custom")
    Question.objects.create(store=store, survey=survey, kind="rating", texts={"en": "Delivery?"}, scale_max=5)
    services.activate_survey(survey=survey)
    invitation = services.invite_customer(
        survey=survey, customer=make_customer(store, email="jan@example.pl")
    )
    client = Client()
    open_page(client, invitation, "")

    page, statements = open_page(client, invitation, "")

    assert len(statements) == 2, statements
    assert "surveys_question" in statements[1]


def test_an_edited_wording_or_renamed_store_shows_on_the_next_view(store):
    invitation = invite(store)
    client = Client()
    open_page(client, invitation)

    services.update_survey(survey=invitation.survey, texts={"pl": {"question": "Czy polecisz nas?"}})
    store.name = "Sklep Ani"
    store.save()
    page, _statements = open_page(client, invitation)

    html = page.content.decode()
    assert "Czy polecisz nas?" in html
    assert "Sklep Ani" in html


def test_scores_typed_off_the_scale_share_one_rendered_scale(store):
    invitation = invite(store)
    client = Client()
    open_page(client, invitation, "?score=abc")
    cached = public_pages._rendered_scale.cache_info().currsize

    for junk in ("?score=99", "?score=-1", "?score=9.5", "?score=" + "9" * 500):
        page, _statements = open_page(client, invitation, junk)
        assert " checked" not in page.content.decode()

    assert public_pages._rendered_scale.cache_info().currsize == cached


def test_a_refused_score_still_marks_the_scale_invalid(store):
    invitation = invite(store)
    client = Client()
    open_page(client, invitation)

    refused = client.post(link(invitation), {"score": "", "comment": "x"})

    assert refused.status_code == 422
    assert 'aria-invalid="true"' in refused.content.decode()
    assert 'id="score-error"' in refused.content.decode()


def test_the_page_reads_the_same_values_the_orm_would(store):
    invitation = invite(store)
    Client().post(link(invitation), {"score": "7", "comment": "Dobrze"})

    page_invitation = queries.get_page_invitation(invitation.pk, invitation.nonce)
    orm = Invitation.objects.select_related("survey__store", "response").get(pk=invitation.pk)

    assert page_invitation.expires_at == orm.expires_at and page_invitation.opened_at == orm.opened_at
    for name in queries.PAGE_COLUMNS[Survey]:
        assert getattr(page_invitation.survey, name) == getattr(orm.survey, name), name
    for name in queries.PAGE_COLUMNS[Store]:
        assert getattr(page_invitation.survey.store, name) == getattr(orm.survey.store, name), name
    answer = queries.get_invitation_response(page_invitation)
    assert (answer.score, answer.comment, answer.answers, answer.updated_at) == (
        orm.response.score, orm.response.comment, orm.response.answers, orm.response.updated_at,
    )  # fmt: skip
    assert queries.get_page_invitation(invitation.pk, "not-the-nonce") is None
