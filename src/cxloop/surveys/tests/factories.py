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


def make_foreign_objects(store) -> dict:
    """A survey with an invitation, an answer and a manual send: the ids a cross-store sweep tries."""
    from cxloop.surveys.models import ManualSend

    survey = make_survey(store)
    invitation = services.invite_customer(
        survey=survey, customer=make_customer(store, email="canary-s@example.com")
    )
    services.record_invitation_answer(invitation=invitation, answer=services.clean_answer(survey, score="9"))
    send = ManualSend.objects.create(store=store, survey=survey, source=ManualSend.Source.FILTER, total=1)
    return {"survey_id": survey.pk, "send_id": send.pk}
