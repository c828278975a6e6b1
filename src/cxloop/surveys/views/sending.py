"""Staff pages for sending a survey by hand, following a send, and listing a survey's invitations.

The send page shows, before anything goes out, how many customers a filter
(or an uploaded CSV) reaches and how many the contact policy will skip.
An upload is checked first; the confirmation carries the matched customer
ids in a signed, short-lived field, so the file is read once.
"""

from django.contrib import messages
from django.core import signing
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cxloop.commerce.models import Customer
from cxloop.core.errors import DomainError
from cxloop.core.models import Membership
from cxloop.core.roles import check_role
from cxloop.web.access import store_required, wants_partial
from cxloop.web.paging import build_page

from .. import audience, queries
from ..forms import EmailUploadForm, SendFilterForm
from ..models import Invitation, ManualSend
from ..reasons import skip_reason_label
from ..services import sends
from .staff import skip_rows

UPLOAD_SALT = "surveys.upload-send"
UPLOAD_MAX_AGE = 3600
SHOWN_UNKNOWN = 50


@require_http_methods(["GET", "POST"])
@store_required
def survey_send(request, survey_id: int):
    check_role(request, Membership.Role.ADMIN)
    survey = queries.get_survey(request.store, survey_id)
    filter_form = SendFilterForm(
        request.GET if request.method == "GET" else request.POST, store=request.store
    )
    filters = filter_form.filters()
    context = {"section": "surveys", "survey": survey, "filter_form": filter_form, "filters": filters}
    action = request.POST.get("action", "")
    if action == "check-upload":
        return _check_upload(request, survey, context)
    if action in ("send-filter", "send-upload"):
        return _send(request, survey, context, action)
    context |= _filter_estimate(survey, filters)
    if wants_partial(request, "send-audience"):
        return render(request, "surveys/survey_send.html#audience", context)
    context["upload_form"] = EmailUploadForm()
    return render(request, "surveys/survey_send.html", context)


def _filter_estimate(survey, filters) -> dict:
    estimate = audience.estimate_send(survey, sends.list_filter_customers(survey, filters))
    return {"estimate": estimate, "estimate_rows": skip_rows(estimate.skipped)}


def _check_upload(request, survey, context):
    upload_form = EmailUploadForm(request.POST, request.FILES)
    context["upload_form"] = upload_form
    if not upload_form.is_valid():
        context |= _filter_estimate(survey, context["filters"])
        return render(request, "surveys/survey_send.html", context, status=422)
    emails = upload_form.cleaned_data["file"]
    customer_ids, unknown = audience.match_emails(request.store, emails.emails)
    customers = Customer.objects.filter(store=request.store, pk__in=customer_ids)
    estimate = audience.estimate_send(survey, customers) if customer_ids else None
    token = signing.dumps(
        {"survey": survey.pk, "ids": customer_ids, "unknown": unknown}, salt=UPLOAD_SALT, compress=True
    )
    context |= {
        "upload": {
            "emails": len(emails.emails),
            "matched": len(customer_ids),
            "unknown": unknown[:SHOWN_UNKNOWN],
            "unknown_count": len(unknown),
            "invalid": emails.invalid[:SHOWN_UNKNOWN],
            "invalid_count": len(emails.invalid),
            "duplicates": emails.duplicates,
            "token": token,
            "estimate": estimate,
            "estimate_rows": skip_rows(estimate.skipped) if estimate else [],
        }
    }
    return render(request, "surveys/survey_send_upload.html", context)


def _send(request, survey, context, action):
    try:
        if action == "send-filter":
            send = sends.start_manual_send(survey=survey, filters=context["filters"], actor=request.user)
        else:
            payload = _read_upload_token(request, survey)
            send = sends.start_manual_send(
                survey=survey,
                customer_ids=payload["ids"],
                unknown_emails=payload["unknown"],
                actor=request.user,
            )
    except DomainError as error:
        messages.error(request, error.message)
        context |= _filter_estimate(survey, context["filters"])
        context["upload_form"] = EmailUploadForm()
        return render(request, "surveys/survey_send.html", context, status=error.status)
    return redirect("surveys:send-detail", survey_id=survey.pk, send_id=send.pk)


class _UploadExpired(DomainError):
    status = 400
    code = "upload_expired"


def _read_upload_token(request, survey) -> dict:
    try:
        payload = signing.loads(request.POST.get("upload", ""), salt=UPLOAD_SALT, max_age=UPLOAD_MAX_AGE)
    except signing.BadSignature:
        message = _("The checked list has expired or was altered; upload the file again.")
        raise _UploadExpired(message) from None
    if payload.get("survey") != survey.pk:
        raise _UploadExpired(_("The checked list belongs to another survey; upload the file again."))
    return payload


@store_required
def send_detail(request, survey_id: int, send_id: int):
    """A send's progress while it runs (htmx refreshes it), then its summary."""
    survey = queries.get_survey(request.store, survey_id)
    send = ManualSend.objects.filter(store=request.store, survey=survey, pk=send_id).first()
    if send is None:
        raise Http404("No such send.")
    context = {
        "section": "surveys",
        "survey": survey,
        "send": send,
        "skipped": skip_rows(send.skipped),
        "skipped_total": sum(send.skipped.values()),
        "running": send.status in (ManualSend.Status.PENDING, ManualSend.Status.RUNNING),
    }
    if wants_partial(request, "send-progress"):
        return render(request, "surveys/send_detail.html#progress", context)
    return render(request, "surveys/send_detail.html", context)


@store_required
def invitation_list(request, survey_id: int):
    survey = queries.get_survey(request.store, survey_id)
    status = request.GET.get("status", "")
    invitations = queries.list_invitations(request.store, survey=survey)
    if status in Invitation.Status.values:
        invitations = invitations.filter(status=status)
    page = build_page(invitations, request.GET.get("page"))
    for invitation in page.items:
        invitation.skip_label = skip_reason_label(invitation.skip_reason) if invitation.skip_reason else ""
    context = {
        "section": "surveys",
        "survey": survey,
        "page": page,
        "status": status,
        "statuses": Invitation.Status.choices,
    }
    if wants_partial(request, "invitation-results"):
        return render(request, "surveys/invitation_list.html#results", context)
    return render(request, "surveys/invitation_list.html", context)
