import hashlib
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest

from cxloop.commerce.models import ConsentRecord, Customer, Event
from cxloop.core.services import create_store
from cxloop.demo.generator import generate_store
from cxloop.demo.survey_comments import COMMENTS, THEMES
from cxloop.demo.surveys import SurveysExist, generate_surveys
from cxloop.flows.models import Contact
from cxloop.surveys import emails, services
from cxloop.surveys.models import Invitation, ManualSend, Response, Survey
from cxloop.surveys.scoring import SCALES, Band

TODAY = datetime(2025, 6, 1, tzinfo=UTC).date()
END = datetime(2025, 6, 1, tzinfo=UTC)
WINDOW = timedelta(days=90)


def _generate(store, customers=300, seed=7):
    generate_store(store=store, customers=customers, seed=seed, today=TODAY)
    return generate_surveys(store=store, seed=seed, today=TODAY)


def _digest(store) -> str:
    invitations = Invitation.objects.filter(store=store).order_by("created_at", "customer__email_key")
    responses = Response.objects.filter(store=store).order_by("created_at", "customer__email_key")
    contacts = Contact.objects.filter(store=store).order_by("contacted_at", "customer__email_key")
    invitation_fields = (
        "survey__name", "customer__email_key", "order__external_id", "language", "status",
        "skip_reason", "created_at", "sent_at", "opened_at", "answered_at", "expires_at",
    )  # fmt: skip
    response_fields = (
        "survey__name", "customer__email_key", "score", "band", "comment", "comment_language",
        "country", "is_repeat_customer", "created_at", "low_score_handled_at",
    )  # fmt: skip
    rows = (
        list(invitations.values_list(*invitation_fields)),
        list(responses.values_list(*response_fields)),
        list(contacts.values_list("customer__email_key", "contacted_at")),
        list(Customer.objects.filter(store=store).order_by("email_key").values_list("email_key", "tags")),
    )
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_same_seed_gives_the_same_surveys_invitations_and_answers(store):
    # given
    twin, _ = create_store(name="Twin", currency=store.currency, slug="twin")
    # when
    first = _generate(store, customers=200)
    second = _generate(twin, customers=200)
    # then
    assert first == second
    assert _digest(store) == _digest(twin)
    assert first.responses > 20


def test_a_store_that_has_surveys_is_refused(store):
    _generate(store, customers=50)
    with pytest.raises(SurveysExist):
        generate_surveys(store=store, seed=7, today=TODAY)


def test_an_active_nps_after_fulfilment_and_an_active_manual_csat(store):
    _generate(store, customers=100)
    nps = Survey.objects.get(store=store, kind="nps")
    csat = Survey.objects.get(store=store, kind="csat")
    assert (nps.status, nps.trigger, nps.delay_days) == ("active", "order_fulfilled", 3)
    assert (csat.status, csat.trigger) == ("active", "manual")
    assert nps.activated_at == csat.activated_at == END - timedelta(days=183)


def test_invitation_times_follow_the_send_and_answer_path(store):
    _generate(store)
    invitations = list(Invitation.objects.filter(store=store).select_related("survey"))
    answered = {r.invitation_id: r for r in Response.objects.filter(store=store)}
    assert {i.status for i in invitations} <= {"sent", "skipped", "failed"}
    for i in invitations:
        assert i.created_at == i.send_after < END
        assert i.expires_at == i.created_at + timedelta(days=i.survey.link_valid_days)
        if i.status == "sent":
            assert i.created_at < i.claimed_at < i.sent_at and i.attempts == 1
            assert (i.skip_reason, i.message_id) == ("", emails.message_id(i))
        else:
            assert i.sent_at is None and i.opened_at is None and i.answered_at is None
            reasons = {"skipped": {"no_consent", "throttled"}, "failed": {"recipient_refused"}}
            assert i.skip_reason in reasons[i.status]
        if i.opened_at is not None:
            assert i.sent_at < i.opened_at < i.expires_at
        if i.answered_at is not None:
            assert i.opened_at <= i.answered_at < min(i.expires_at, END)
            assert answered[i.pk].created_at == answered[i.pk].updated_at == i.answered_at
        assert (i.pk in answered) == (i.answered_at is not None)


def test_every_sent_invitation_is_in_the_contact_ledger_and_the_window_holds(store):
    _generate(store)
    invitations = list(Invitation.objects.filter(store=store).order_by("created_at"))
    contacts = {c.reference: c for c in Contact.objects.filter(store=store)}
    sent = [i for i in invitations if i.status == "sent"]
    assert set(contacts) == {f"survey-invitation:{i.nonce}" for i in sent}
    last: dict[int, datetime] = {}
    for i in invitations:
        if i.status == "sent":
            contact = contacts[f"survey-invitation:{i.nonce}"]
            assert contact.customer_id == i.customer_id and contact.kind == "survey"
            assert contact.contacted_at == i.created_at
            assert i.customer_id not in last or i.created_at >= last[i.customer_id] + WINDOW
            last[i.customer_id] = i.created_at
        elif i.skip_reason == "throttled":
            assert i.created_at < last[i.customer_id] + WINDOW


def test_only_customers_who_could_be_emailed_at_the_time_were_sent(store):
    # given the store's audience: everyone who has not opted out
    _generate(store)
    ledger = defaultdict(list)
    records = ConsentRecord.objects.filter(store=store).order_by("occurred_at")
    for customer_id, state, at in records.values_list("customer_id", "state", "occurred_at"):
        ledger[customer_id].append((at, state))

    def consent_at(invitation):
        states = [state for at, state in ledger[invitation.customer_id] if at <= invitation.created_at]
        return states[-1] if states else "not_subscribed"

    # then
    for i in Invitation.objects.filter(store=store).exclude(skip_reason="throttled"):
        assert (consent_at(i) in {"subscribed", "not_subscribed"}) == (i.skip_reason != "no_consent")


def test_bands_match_scores_and_every_comment_has_its_language(store):
    _generate(store)
    responses = list(Response.objects.filter(store=store).select_related("survey", "invitation"))
    for r in responses:
        assert r.band == SCALES[r.survey.kind].band(r.score)
        assert r.channel == "email" and r.customer_id == r.invitation.customer_id
        assert r.language == r.invitation.language
        assert bool(r.comment) == bool(r.comment_language)
        assert r.comment_language in {"", "en", r.language}
        if r.comment:
            assert services.clean_answer(r.survey, score=r.score, comment=r.comment).comment == r.comment
    assert 0.2 < sum(1 for r in responses if r.comment) / len(responses) < 0.6


def test_low_scores_were_followed_up_once_with_tag_and_event(store):
    # given
    _generate(store)
    responses = list(Response.objects.filter(store=store).select_related("survey", "customer"))
    low = [r for r in responses if r.band == Band.LOW]
    events = {e.event_id: e for e in Event.objects.filter(store=store, type="survey_low_score")}
    # then
    assert low and len(events) == len(low)
    for r in responses:
        assert (r.low_score_handled_at is not None) == (r.band == Band.LOW)
    for r in low:
        event = events[f"survey-low-score-{r.pk}"]
        assert event.customer_id == r.customer_id and event.occurred_at == r.low_score_handled_at
        assert event.properties == {"survey_id": r.survey_id, "response_id": r.pk, "kind": r.survey.kind,
                                    "score": r.score}  # fmt: skip
        assert r.survey.low_score_tag in r.customer.tags
        # when the rule's task runs again, nothing happens twice
        assert services.follow_up_low_score(response=r) is False


def test_csat_lists_are_finished_manual_sends_that_count_their_invitations(store):
    _generate(store)
    csat = Survey.objects.get(store=store, kind="csat")
    sends = list(ManualSend.objects.filter(survey=csat))
    invitations = Invitation.objects.filter(survey=csat)
    assert len(sends) == 13
    assert sum(s.total for s in sends) == invitations.count()
    for send in sends:
        assert send.status == "done" and send.processed == send.total
        assert send.queued + sum(send.skipped.values()) == send.total
        assert send.customer_ids == sorted(send.customer_ids)
        assert send.created_at < send.finished_at
    assert invitations.filter(order__isnull=False).count() == 0


def test_the_real_services_carry_on_from_the_generated_history(store):
    # given
    _generate(store)
    nps = Survey.objects.get(store=store, kind="nps")
    recent = Contact.objects.filter(
        store=store, contacted_at__gte=END - timedelta(days=30),
        customer__email_consent__in=["subscribed", "not_subscribed"],
    ).first()  # fmt: skip
    # when the order sweep runs at the end of the history
    swept = services.schedule_order_invitations(store=store, now=END)
    # then every due order was invited already
    assert swept == 0
    invitation = services.invite_customer(survey=nps, customer=recent.customer, now=END)
    assert (invitation.status, invitation.skip_reason) == ("skipped", "throttled")


def test_a_demo_store_answers_like_a_real_shop(store):
    # given the demo's seed
    summary = _generate(store, customers=1000, seed=42)
    # then
    assert 0.25 <= summary.responses / summary.sent <= 0.40
    assert 25 <= summary.nps <= 50
    assert 75 <= summary.csat_percent <= 90
    commented = Response.objects.filter(store=store).exclude(comment="")
    languages = {"en", "pl", "lv", "fa", "zh-hans", "zh-hant"}
    assert set(commented.values_list("comment_language", flat=True)) == languages


def test_comments_cover_every_theme_in_every_language_and_band():
    for language, bands in COMMENTS.items():
        assert set(bands) == {"low", "mid", "high"}, language
        for band, themes in bands.items():
            assert tuple(themes) == THEMES, (language, band)
            assert sum(len(sentences) for sentences in themes.values()) >= 24, (language, band)


def test_chinese_demo_comments_are_detected_in_the_script_they_are_written_in():
    # as a customer answering on a page in the other Chinese would write them: only
    # sentences either script writes the same ("物流很快，第二天就到了。") follow the page
    from cxloop.core.language_detection import detect_language

    follows_the_page = []
    for language, other in (("zh-hans", "zh-hant"), ("zh-hant", "zh-hans")):
        for themes in COMMENTS[language].values():
            for sentence in (s for sentences in themes.values() for s in sentences):
                assert detect_language(sentence, hint=language) == language, sentence
                if detect_language(sentence, hint=other) != language:
                    follows_the_page.append(sentence)
    assert follows_the_page == [
        "物流很快，第二天就到了。", "面料比想象的薄。",  # Simplified
        "物流很快，第二天就到了。", "布料比想像的薄。", "客服根本不回信。",  # Traditional
    ]  # fmt: skip
