"""The store's webhooks page (owners and admins): endpoints, their secrets and delivery logs.

Thin views: the services check every field and do the work; another store's
id is a 404 through `queries`, an agent gets 403.
"""

import json

from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cxloop.core.errors import DomainError
from cxloop.web.access import admin_required
from cxloop.web.paging import build_page

from . import events, queries, services

MAX_FIELD = 2100
PER_PAGE = 25


def _list_context(request, values: dict, errors: dict) -> dict:
    return {
        "section": "webhooks",
        "endpoints": list(queries.list_endpoints(request.store)),
        "events": events.list_events(),
        "values": values,
        "errors": errors,
    }


@admin_required
def endpoint_list(request):
    """The endpoints, and the form that adds one (its secret is shown once, on the next page)."""
    values, errors, status = {"url": "", "description": "", "events": []}, {}, 200
    if request.method == "POST":
        values = {
            "url": request.POST.get("url", "")[:MAX_FIELD],
            "description": request.POST.get("description", "")[:MAX_FIELD],
            "events": request.POST.getlist("events")[:100],
        }
        try:
            endpoint = services.create_endpoint(store=request.store, **values)
        except DomainError as error:
            errors, status = {error.field or "form": error.message}, error.status
        else:
            return _secret_page(request, endpoint, created=True)
    return render(request, "hooks/endpoint_list.html", _list_context(request, values, errors), status=status)


def _secret_page(request, endpoint, *, created: bool):
    context = {"section": "webhooks", "endpoint": endpoint, "created": created}
    return render(request, "hooks/endpoint_secret.html", context, status=201 if created else 200)


@admin_required
def endpoint_detail(request, endpoint_id: int):
    """One endpoint: its actions and its delivery log, newest first, paged."""
    endpoint = queries.get_endpoint(request.store, endpoint_id)
    page = build_page(queries.list_deliveries(endpoint), request.GET.get("page"), per_page=PER_PAGE)
    rows = [(d, json.dumps(d.payload, indent=2, ensure_ascii=False)) for d in page.items]
    context = {"section": "webhooks", "endpoint": endpoint, "page": page, "rows": rows}
    return render(request, "hooks/endpoint_detail.html", context)


@admin_required
def endpoint_rotate(request, endpoint_id: int):
    endpoint = queries.get_endpoint(request.store, endpoint_id)
    if request.method != "POST":  # after the lookup: another store's id is a 404 whatever the method
        return HttpResponseNotAllowed(["POST"])
    endpoint = services.rotate_secret(endpoint=endpoint)
    return _secret_page(request, endpoint, created=False)


@admin_required
def endpoint_active(request, endpoint_id: int):
    endpoint = queries.get_endpoint(request.store, endpoint_id)
    if request.method != "POST":  # after the lookup: another store's id is a 404 whatever the method
        return HttpResponseNotAllowed(["POST"])
    active = request.POST.get("active") == "1"
    services.set_active(endpoint=endpoint, active=active)
    messages.success(request, _("The endpoint is enabled.") if active else _("The endpoint is disabled."))
    return redirect("hooks:endpoint-detail", endpoint.pk)


@admin_required
def endpoint_test(request, endpoint_id: int):
    endpoint = queries.get_endpoint(request.store, endpoint_id)
    if request.method != "POST":  # after the lookup: another store's id is a 404 whatever the method
        return HttpResponseNotAllowed(["POST"])
    if not endpoint.active:
        messages.error(request, _("The endpoint is disabled: enable it first."))
    else:
        services.send_test_event(endpoint=endpoint)
        messages.success(request, _("A test event is on its way; its delivery is at the top of the log."))
    return redirect("hooks:endpoint-detail", endpoint.pk)


@admin_required
def endpoint_delete(request, endpoint_id: int):
    endpoint = queries.get_endpoint(request.store, endpoint_id)
    if request.method != "POST":  # after the lookup: another store's id is a 404 whatever the method
        return HttpResponseNotAllowed(["POST"])
    services.delete_endpoint(endpoint=endpoint)
    messages.success(request, _("The endpoint and its delivery log were deleted."))
    return redirect("hooks:endpoint-list")


@admin_required
def delivery_redeliver(request, delivery_id: int):
    delivery = queries.get_delivery(request.store, delivery_id)
    if request.method != "POST":  # after the lookup: another store's id is a 404 whatever the method
        return HttpResponseNotAllowed(["POST"])
    try:
        services.redeliver(delivery=delivery)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The delivery is sent again, with the same id."))
    return redirect("hooks:endpoint-detail", delivery.endpoint_id)
