"""Survey pages: the public answer page customers reach from an email link."""

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone, translation
from django.views.decorators.http import require_http_methods

from .. import queries, services
from ..errors import InvalidAnswer, LinkExpired, SurveyClosed, UnknownLink
from ..models import Invitation
from ..scoring import SCALES, ScoreError, parse_score
from ..texts import build_texts
from ..tokens import read_invitation_token


@require_http_methods(["GET", "POST"])
def answer(request, token):
    """GET shows the question (a clicked score pre-chosen, nothing recorded); POST records the answer."""
    try:
        invitation = read_invitation_token(token)
    except UnknownLink as exc:
        raise Http404(exc.message) from exc
    survey = invitation.survey
    texts = build_texts(survey, invitation.language)
    context = {"survey": survey, "store": survey.store, "texts": texts, "invitation": invitation}
    with translation.override(texts.language):
        if request.method == "GET":
            return _show(request, invitation, context)
        return _submit(request, invitation, context)


def _show(request, invitation: Invitation, context):
    now = timezone.now()
    Invitation.objects.filter(pk=invitation.pk, opened_at__isnull=True).update(opened_at=now)
    response = queries.get_invitation_response(invitation)
    chosen = _score_from_query(invitation, request.GET.get("score"))
    if chosen is None and response is not None:
        chosen = response.score
    context |= {"response": response, "chosen": chosen, "comment": response.comment if response else ""}
    status = 200
    if invitation.expires_at <= now:
        context["error"] = LinkExpired("This survey link has expired.").message
        status = 410
    elif not invitation.survey.is_open:
        context["error"] = SurveyClosed("This survey is closed. Thank you all the same!").message
    return _page(request, context, status)


def _score_from_query(invitation: Invitation, raw) -> int | None:
    if raw is None:
        return None
    try:
        return parse_score(invitation.survey.kind, raw)
    except ScoreError:
        return None


def _submit(request, invitation: Invitation, context):
    try:
        answer = services.clean_answer(
            invitation.survey, score=request.POST.get("score"), comment=request.POST.get("comment", "")
        )
        response = services.record_invitation_answer(invitation=invitation, answer=answer)
    except InvalidAnswer as exc:
        context |= {"error": exc.message, "chosen": request.POST.get("score"),
                    "comment": request.POST.get("comment", "")}  # fmt: skip
        return _page(request, context, 422)
    except (LinkExpired, SurveyClosed) as exc:
        context["error"] = exc.message
        return _page(request, context, exc.status)
    context |= {"response": response, "band": response.band}
    return render(request, "surveys/answer_thanks.html", context)


def _page(request, context, status):
    scale = SCALES.get(context["survey"].kind)
    context["scores"] = list(scale.scores) if scale else []
    return render(request, "surveys/answer_page.html", context, status=status)
