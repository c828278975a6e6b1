"""Staff pages of the store mirror: customers, orders, integrations, CSV import.

Views are thin: they read through `queries` (always scoped to `request.store`,
so another store's id is a 404), write through `services`, and render.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cxloop.core import apikeys as core_apikeys
from cxloop.core import queries as core_queries
from cxloop.core import services as core_services
from cxloop.core.audit import Actor
from cxloop.core.errors import DomainError
from cxloop.core.inputs import parse_text
from cxloop.core.models import Membership, Platform
from cxloop.core.roles import check_role, has_role
from cxloop.core.storefront import build_contact_snippet, build_storefront_snippet, contact_form_address
from cxloop.web.access import admin_required, store_required, wants_partial
from cxloop.web.outlook import RFM_GROUP_CHOICES, SPEND_TIER_CHOICES, build_customer_outlook
from cxloop.web.paging import build_page
from cxloop.web.timeline import build_customer_timeline

from . import actions, queries, referral_queries
from .addresses import format_address
from .imports import jobs as import_jobs
from .imports import queries as import_queries
from .models import Customer, ImportJob
from .personal_data import build_customer_export

RECENT_IMPORTS = 10
PROBLEMS_PER_PAGE = 100
SORT_CHOICES = [
    ("newest", gettext_lazy("Newest")),
    ("spent", gettext_lazy("Most spent")),
    ("orders", gettext_lazy("Most orders")),
    ("last_order", gettext_lazy("Last order")),
    ("name", gettext_lazy("Name")),
    ("predicted_value", gettext_lazy("Predicted value")),
    ("churn_risk", gettext_lazy("Churn risk")),
]
HAS_ORDERS_CHOICES = [
    ("", gettext_lazy("Any")),
    ("yes", gettext_lazy("Has orders")),
    ("no", gettext_lazy("No orders yet")),
]


class CustomerFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, strip=True)
    consent = forms.ChoiceField(
        required=False, choices=[("", gettext_lazy("Any"))] + list(Customer.Consent.choices)
    )
    has_orders = forms.ChoiceField(required=False, choices=HAS_ORDERS_CHOICES)
    rfm_group = forms.ChoiceField(required=False, choices=[("", gettext_lazy("Any"))] + RFM_GROUP_CHOICES)
    spend_tier = forms.ChoiceField(required=False, choices=[("", gettext_lazy("Any"))] + SPEND_TIER_CHOICES)
    sort = forms.ChoiceField(required=False, choices=SORT_CHOICES)

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "search": data.get("q", ""),
            "consent": data.get("consent", ""),
            "has_orders": data.get("has_orders", ""),
            "rfm_group": data.get("rfm_group", ""),
            "spend_tier": data.get("spend_tier", ""),
            "sort": data.get("sort") or "newest",
        }


@store_required
def customer_list(request):
    form = CustomerFilterForm(request.GET)
    filters = form.filters()
    page = build_page(queries.list_customers(request.store, **filters), request.GET.get("page"))
    context = {"section": "customers", "form": form, "filters": filters, "page": page}
    if wants_partial(request, "customer-results"):
        return render(request, "commerce/customer_list.html#results", context)
    return render(request, "commerce/customer_list.html", context)


@store_required
def customer_detail(request, customer_id):
    customer = queries.get_customer(request.store, customer_id)
    return render(
        request,
        "commerce/customer_detail.html",
        {
            "section": "customers",
            "customer": customer,
            "timeline": build_customer_timeline(request.store, customer),
            **build_customer_outlook(request.store, customer),
            "consents": queries.list_consent_records(request.store, customer)[:10],
            "address_lines": format_address(customer.address, with_country=False),
            "external_ids": queries.list_external_ids(request.store, customer),
            "can_export": has_role(request.membership, Membership.Role.ADMIN),
        },
    )


@admin_required
def customer_export(request, customer_id):
    """A customer's personal data as a JSON download (right of access), their conversations included."""
    customer = queries.get_customer(request.store, customer_id)
    data = build_customer_export(request.store, customer)
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="customer-{customer.pk}.json"'
    response["Cache-Control"] = "no-store"
    return response


@store_required
def order_list(request):
    search = parse_text(request.GET.get("q"), max_length=200)
    page = build_page(queries.list_orders(request.store, search=search), request.GET.get("page"))
    context = {"section": "orders", "search": search, "page": page}
    if wants_partial(request, "order-results"):
        return render(request, "commerce/order_list.html#results", context)
    return render(request, "commerce/order_list.html", context)


@store_required
def order_detail(request, order_id):
    order = queries.get_order(request.store, order_id)
    return render(
        request,
        "commerce/order_detail.html",
        {
            "section": "orders",
            "order": order,
            "lines": queries.list_order_lines(request.store, order),
            "refunds": queries.list_order_refunds(request.store, order),
            "fulfilments": queries.list_order_fulfilments(request.store, order),
            "summary": queries.build_order_summary(order),
            "shipping_lines": format_address(order.shipping_address),
            "referral": referral_queries.get_referral(request.store, order),
        },
    )


class WebhookSecretForm(forms.Form):
    secret = forms.CharField(
        min_length=8, max_length=500, strip=True, widget=forms.PasswordInput(render_value=False)
    )
    api_token = forms.CharField(required=False, max_length=500, strip=True)
    external_store_id = forms.CharField(required=False, max_length=64, strip=True)


class PlatformConnectionForm(forms.Form):
    """The store's admin API: its address and credentials. A credential left empty keeps the saved one."""

    address = forms.CharField(max_length=300, strip=True)
    api_version = forms.CharField(required=False, max_length=20, strip=True)
    access_token = forms.CharField(required=False, max_length=500, strip=True, widget=forms.PasswordInput)
    consumer_key = forms.CharField(required=False, max_length=500, strip=True, widget=forms.PasswordInput)
    consumer_secret = forms.CharField(required=False, max_length=500, strip=True, widget=forms.PasswordInput)


def _connection_rows(request, forms_by_platform: dict | None = None) -> list[dict]:
    connections = actions.list_connections(request.store)
    rows = []
    for platform in actions.ACTION_PLATFORMS:
        connection = connections.get(platform.value)
        initial = None
        if connection:
            initial = {"address": connection.base_url, "api_version": connection.api_version}
        form = (forms_by_platform or {}).get(platform.value) or PlatformConnectionForm(initial=initial)
        rows.append(
            {
                "platform": platform,
                "connection": connection,
                "form": form,
                "is_shopify": platform == Platform.SHOPIFY,
                "default_version": actions.connections.DEFAULT_SHOPIFY_API_VERSION,
            }
        )
    return rows


def _platform_rows(request, forms_by_platform: dict | None = None) -> list[dict]:
    secrets = core_queries.list_webhook_secrets(request.store)
    rows = []
    for platform in core_queries.WEBHOOK_PLATFORMS:
        url = reverse("webhook", kwargs={"platform": platform.value, "store_slug": request.store.slug})
        row_secret = secrets.get(platform.value)
        rows.append(
            {
                "platform": platform,
                "url": request.build_absolute_uri(url),
                "has_secret": row_secret is not None,
                "updated_at": row_secret.updated_at if row_secret else None,
                "form": (forms_by_platform or {}).get(platform.value) or WebhookSecretForm(),
                "needs_api_token": platform == Platform.ECWID,
            }
        )
    return rows


def _render_integrations(
    request,
    *,
    forms_by_platform=None,
    new_key: str = "",
    rotated_key=None,
    origins_error: str = "",
    connection_forms=None,
    status: int = 200,
):
    storefront_key = core_queries.get_storefront_key(request.store)
    return render(
        request,
        "commerce/integrations.html",
        {
            "section": "integrations",
            "platforms": _platform_rows(request, forms_by_platform),
            "api_keys": core_queries.list_api_keys(request.store),
            "deliveries": queries.list_deliveries(request.store)[:50],
            "new_key": new_key,
            "rotated_key": rotated_key,
            "storefront_key": storefront_key,
            "storefront_snippet": build_storefront_snippet(storefront_key),
            "contact_link": contact_form_address(request.store),
            "contact_snippet": build_contact_snippet(request.store, storefront_key),
            "origins_value": request.POST.get("storefront_origins", request.store.storefront_origins)
            if origins_error
            else request.store.storefront_origins,
            "origins_error": origins_error,
            "widget_default": _("any site")
            if settings.CXLOOP_WIDGET_FRAME_ANCESTORS == "*"
            else settings.CXLOOP_WIDGET_FRAME_ANCESTORS,
            "identity_store": request.store,
            "connections": _connection_rows(request, connection_forms),
            "can_connect": has_role(getattr(request, "membership", None), Membership.Role.OWNER),
        },
        status=status,
    )


@store_required
def integrations(request):
    check_role(request, Membership.Role.ADMIN)
    return _render_integrations(request)


@require_POST
@store_required
def set_webhook_secret(request, platform):
    check_role(request, Membership.Role.ADMIN)
    if platform not in {p.value for p in core_queries.WEBHOOK_PLATFORMS}:
        raise Http404("Unknown platform.")
    form = WebhookSecretForm(request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                core_services.set_webhook_secret(
                    store=request.store,
                    platform=platform,
                    actor=Actor.from_request(request),
                    **form.cleaned_data,
                )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
    if not form.is_valid():
        return _render_integrations(request, forms_by_platform={platform: form}, status=422)
    messages.success(request, _("The webhook secret was saved."))
    return redirect("commerce:integrations")


@require_POST
@store_required
def set_platform_connection(request, platform):
    """Owners connect the store's admin API (Shopify token, WooCommerce keys), for store actions."""
    check_role(request, Membership.Role.OWNER)
    if platform not in {p.value for p in actions.ACTION_PLATFORMS}:
        raise Http404("Unknown platform.")
    form = PlatformConnectionForm(request.POST)
    if form.is_valid():
        try:
            actions.set_platform_connection(
                store=request.store, platform=platform, actor=Actor.from_request(request), **form.cleaned_data
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
    if not form.is_valid():
        return _render_integrations(request, connection_forms={platform: form}, status=422)
    messages.success(request, _("The store connection was saved."))
    return redirect(reverse("commerce:integrations") + "#connections-title")


@require_POST
@store_required
def set_storefront_origins(request):
    check_role(request, Membership.Role.ADMIN)
    try:
        core_services.set_storefront_origins(
            store=request.store, origins=request.POST.get("storefront_origins", "")[:5000]
        )
    except DomainError as error:
        return _render_integrations(request, origins_error=error.message, status=422)
    messages.success(request, _("The storefront addresses were saved."))
    return redirect("commerce:integrations")


@require_POST
@store_required
def create_api_key(request):
    check_role(request, Membership.Role.ADMIN)
    name = request.POST.get("name", "").strip()[:100] or "default"
    kind = request.POST.get("kind", "secret")
    if kind not in ("secret", "publishable"):
        kind = "secret"
    _key, raw = core_apikeys.create_api_key(
        store=request.store, name=name, kind=kind, actor=Actor.from_request(request)
    )
    return _render_integrations(request, new_key=raw)


@store_required
def rotate_identity_secret(request, store_id):
    """Replace the secret the store's server signs storefront identities with.

    The form names the store its page showed, so a page left open on another
    store cannot rotate this one's secret (another store's id is a 404).
    """
    check_role(request, Membership.Role.ADMIN)
    if store_id != request.store.pk:
        raise Http404("No such store.")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    core_services.rotate_identity_secret(store=request.store, actor=Actor.from_request(request))
    messages.success(
        request,
        _("The identity secret was replaced. Put the new one on your server now: "
          "hashes signed with the old one no longer link visitors to customers."),
    )  # fmt: skip
    return redirect(reverse("commerce:integrations") + "#identity-title")


# API key actions (revoke, rotate): owners and admins; each is written to the audit log.


@store_required
def revoke_api_key(request, key_id):
    check_role(request, Membership.Role.ADMIN)
    key = core_queries.get_api_key(request.store, key_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        core_apikeys.revoke_api_key(key=key, actor=Actor.from_request(request))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("The API key %(key)s was revoked.") % {"key": f"{key.prefix}{key.lookup}"}
        )
    return redirect("commerce:integrations")


@store_required
def rotate_api_key(request, key_id):
    check_role(request, Membership.Role.ADMIN)
    key = core_queries.get_api_key(request.store, key_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        _new, raw = core_apikeys.rotate_api_key(key=key, actor=Actor.from_request(request))
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("commerce:integrations")
    return _render_integrations(request, new_key=raw, rotated_key=key)


class ImportForm(forms.Form):
    KINDS = [
        (ImportJob.Kind.SHOPIFY_CUSTOMERS, gettext_lazy("Shopify customers export (customers_export.csv)")),
        (ImportJob.Kind.SHOPIFY_ORDERS, gettext_lazy("Shopify orders export (orders_export.csv)")),
    ]
    kind = forms.ChoiceField(
        choices=KINDS,
        widget=forms.RadioSelect,
        initial=ImportJob.Kind.SHOPIFY_CUSTOMERS,
        error_messages={
            "required": gettext_lazy("Choose what the file holds."),
            "invalid_choice": gettext_lazy("Choose what the file holds."),
        },
    )
    file = forms.FileField(
        error_messages={
            "required": gettext_lazy("Choose a CSV file."),
            "empty": gettext_lazy("The file is empty."),
        }
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.CXLOOP_MAX_UPLOAD_BYTES:
            limit = settings.CXLOOP_MAX_UPLOAD_BYTES // 1_000_000
            message = _("The file is larger than %(limit)s MB.") % {"limit": limit}
            raise forms.ValidationError(message)
        if not upload.name.lower().endswith(".csv"):
            raise forms.ValidationError(_("Choose a .csv file exported from Shopify."))
        return upload


@store_required
def csv_import(request):
    """The upload page: check the file, queue its import, and go to the job's page."""
    check_role(request, Membership.Role.ADMIN)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = import_jobs.queue_import(
                store=request.store,
                kind=form.cleaned_data["kind"],
                file=form.cleaned_data["file"],
                file_name=form.cleaned_data["file"].name,
                actor=request.user,
                language=get_language() or "",
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            return redirect("commerce:import-job", job_id=job.pk)
    context = {
        "section": "import",
        "form": form,
        "jobs": import_queries.list_import_jobs(request.store)[:RECENT_IMPORTS],
        "max_mb": settings.CXLOOP_MAX_UPLOAD_BYTES // 1_000_000,
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "commerce/import.html", context, status=status)


@store_required
def import_job(request, job_id):
    """One import: a progress bar while it runs (htmx polls the status partial), then its summary."""
    check_role(request, Membership.Role.ADMIN)
    job = import_queries.get_import_job(request.store, job_id)
    problems = build_page(
        import_queries.list_import_problems(job), request.GET.get("page"), per_page=PROBLEMS_PER_PAGE
    )
    context = {
        "section": "import",
        "job": job,
        "problems": problems,
        "stalled": import_jobs.is_stalled(job),
    }
    if wants_partial(request, "import-status"):
        return render(request, "commerce/import_job.html#status", context)
    return render(request, "commerce/import_job.html", context)


@store_required
def resume_import(request, job_id):
    """Queue a new run for an import whose worker stopped; it goes on after the last saved batch."""
    check_role(request, Membership.Role.ADMIN)
    job = import_queries.get_import_job(request.store, job_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    with transaction.atomic():
        resumed = import_jobs.resume_import(job=job)
    if resumed:
        messages.success(request, _("The import will go on where it stopped."))
    return redirect("commerce:import-job", job_id=job.pk)
