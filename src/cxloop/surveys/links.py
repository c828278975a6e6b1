"""Where a survey can be answered without an invitation: its web link and the storefront widget.

    web link        https://cx.example.com/s/w/<public id>/
    widget snippet  the storefront snippet (core.storefront) and the call that opens the survey:

        <script src=".../cxloop.js" data-key="cxpk_..." data-endpoint=".../api/v1/events" async></script>
        <script>window.cxloop = window.cxloop || []; cxloop.push(["survey", "<public id>"]);</script>

The call is queued until cxloop.js loads, so the two tags may come in any order.
"""

import json

from django.urls import reverse

from cxloop.core.models import ApiKey
from cxloop.core.storefront import build_storefront_snippet, public_address

from .models import Survey


def build_web_link(survey: Survey) -> str:
    """The survey's public web link (anyone may answer; one answer per browser)."""
    return public_address(reverse("surveys:web-answer", args=[survey.public_id]))


def build_widget_call(survey: Survey) -> str:
    """The inline script that opens the survey in the storefront's widget panel."""
    survey_id = json.dumps(survey.public_id)
    return f'<script>window.cxloop = window.cxloop || []; cxloop.push(["survey", {survey_id}]);</script>'


def build_widget_snippet(survey: Survey, storefront_key: ApiKey | None) -> str:
    """The storefront snippet with the store's publishable key, then the widget call."""
    return f"{build_storefront_snippet(storefront_key)}\n{build_widget_call(survey)}"
