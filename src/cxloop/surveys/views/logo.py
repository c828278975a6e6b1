"""A survey's logo, public: customers' mail clients and the answer page load it."""

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from ..models import Survey


@require_GET
def survey_logo(request, public_id: str):
    """The logo bytes with their sniffed type, nosniff, and never as a document."""
    survey = Survey.objects.filter(public_id=public_id).only("logo", "logo_type").first()
    if survey is None or not survey.logo or not survey.logo_type:
        raise Http404("No logo.")
    response = HttpResponse(bytes(survey.logo), content_type=survey.logo_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = 'inline; filename="logo"'
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "public, max-age=3600"
    return response
