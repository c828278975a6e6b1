"""The language of an invitation for a customer whose own language is not known: the store's map by country.

Replays a real Shopify customers export (no language column) and sends over SMTP to aiosmtpd.
"""

from pathlib import Path

import pytest

from cxloop.commerce.imports import import_shopify_customers
from cxloop.commerce.models import Customer
from cxloop.flows import services as flows_services
from cxloop.flows.models import ContactPolicy
from cxloop.surveys import services
from cxloop.surveys.texts import pick_language

from .factories import make_customer, make_survey

CUSTOMERS = (
    Path(__file__).parents[2] / "commerce" / "tests" / "payloads" / "shopify_csv" / "customers_export.csv"
)
SUBJECTS = {
    "pl": "Sklep Ania prosi o Twoją opinię",
    "lv": "Sklep Ania labprāt uzzinātu jūsu viedokli",
    "fa": "Sklep Ania مشتاق شنیدن نظر شماست",
    "zh-hans": "Sklep Ania 期待您的反馈",
}


@pytest.fixture(autouse=True)
def public_address(settings):
    settings.CXLOOP_PUBLIC_URL = "https://cx.example.com"


def test_customers_imported_from_shopify_are_invited_in_their_countrys_language(
    store, smtp_server, task_worker
):
    # given an English-speaking store that imported a Shopify customers export (no language column)
    store.default_language = "en"
    store.save(update_fields=["default_language"])
    with CUSTOMERS.open("rb") as file:
        import_shopify_customers(store=store, file=file)
    flows_services.set_contact_policy(
        store=store, survey_window_days=90, survey_audience=ContactPolicy.Audience.NOT_OPTED_OUT
    )
    emails = [
        "anna.kowalska@example.pl",
        "janis.berzins@example.lv",
        "sara.mohammadi@example.ir",
        "wei.wang@example.cn",
    ]
    customers = [Customer.objects.get(store=store, email_key=email) for email in emails]
    assert [(c.country, c.language) for c in customers] == [("PL", ""), ("LV", ""), ("IR", ""), ("CN", "")]
    survey = make_survey(store)

    # when each is invited and the worker sends
    with task_worker.committing():
        invitations = [services.invite_customer(survey=survey, customer=customer) for customer in customers]
    assert sorted(task_worker.run_ready()) == ["sent"] * 4

    # then each invitation and each received email speaks the country's language
    assert [invitation.language for invitation in invitations] == ["pl", "lv", "fa", "zh-hans"]
    received = {message["To"]: message for message in smtp_server.messages}
    for email, language in zip(emails, ["pl", "lv", "fa", "zh-hans"], strict=True):
        message = received[email]
        assert " ".join(str(message["Subject"]).split()) == SUBJECTS[language]  # (a folded header's space)
        assert f'lang="{language}"' in message.get_body(("html",)).get_content()


def test_the_store_language_applies_to_a_country_not_mapped(store):
    survey = make_survey(store, active=False)
    store.default_language = "lv"
    store.save(update_fields=["default_language"])

    assert pick_language(survey, "", "DE") == "lv"
    assert pick_language(survey, "", "") == "lv"


def test_the_customers_own_language_wins_over_their_country(store):
    survey = make_survey(store, active=False)

    assert pick_language(survey, "fa", "PL") == "fa"


def test_an_edited_map_is_used(store):
    # given the owner maps Germany to Polish and drops Latvia
    store.country_languages = {"DE": "pl"}
    store.save(update_fields=["country_languages"])
    survey = make_survey(store, active=False)
    store.default_language = "en"
    store.save(update_fields=["default_language"])

    # then
    assert pick_language(survey, "", "de") == "pl"
    assert pick_language(survey, "", "LV") == "en"


def test_a_reply_to_the_invitation_goes_to_the_stores_support_address(store, smtp_server, task_worker):
    store.support_email = "pomoc@sklep-ania.pl"
    store.save(update_fields=["support_email"])
    with task_worker.committing():
        services.invite_customer(survey=make_survey(store), customer=make_customer(store))

    assert task_worker.run_ready() == ["sent"]

    [message] = smtp_server.messages
    assert message["Reply-To"] == "pomoc@sklep-ania.pl"
