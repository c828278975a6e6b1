"""Builders for survey tests: customers that may be surveyed, active surveys."""

from django.utils import timezone

from cxloop.commerce.models import Customer
from cxloop.surveys import services


def make_customer(
    store, *, email="ania@example.pl", language="pl", consent=Customer.Consent.SUBSCRIBED, **extra
):
    now = timezone.now()
    return Customer.objects.create(
        store=store,
        email=email,
        email_key=email.lower(),
        first_name=extra.pop("first_name", "Ania"),
        language=language,
        email_consent=consent,
        created_at=now,
        updated_at=now,
        **extra,
    )


def make_survey(store, *, kind="nps", active=True, **settings):
    survey = services.create_survey(store=store, name=f"{kind.upper()} survey", kind=kind, **settings)
    if active and kind != "custom":
        services.activate_survey(survey=survey)
    return survey
