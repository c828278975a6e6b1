"""The chat's staff page, /helpdesk/chat/: the widget's code to copy, its preview, the guided flows.

Every member sees it; owners and admins change the flows. Another store's flow id is a 404.
"""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _

from cxloop.core.errors import DomainError
from cxloop.core.models import Membership
from cxloop.core.roles import check_role, has_role
from cxloop.helpcenter.queries import list_articles
from cxloop.web.access import store_required

from . import flows
from .models import GuidedFlow
from .report import self_service


@store_required
def chat_settings(request):
    flow = _flow(request, request.GET.get("flow") or request.POST.get("flow"))
    values, errors, status = _values(flow), {}, 200
    if request.method == "POST":
        check_role(request, Membership.Role.ADMIN)
        values = {name: request.POST.get(name, "")[:200] for name in _field_names()}
        try:
            flows.save_flow(store=request.store, fields=values, flow=flow)
        except DomainError as error:
            errors, status = {error.field or "form": error.message}, error.status
        else:
            messages.success(request, _("Guided flow saved."))
            return redirect("chat-staff:settings")
    elif request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    names = dict(settings.LANGUAGES)
    language_fields = [
        (name, code, names[code], values.get(name, ""), errors.get(name))
        for code in flows.LANGUAGE_CODES
        for name in [flows.label_field(code)]
    ]
    default = request.store.default_language
    rows = [
        (item, item.label(default, default))
        for item in GuidedFlow.objects.filter(store=request.store).select_related("article")
    ]
    script = request.build_absolute_uri(static("cxloop/chat/widget.js"))
    context = {
        "section": "helpdesk",
        "rows": rows,
        "flow": flow,
        "values": values,
        "errors": errors,
        "language_fields": language_fields,
        "articles": list_articles(request.store),
        "can_manage": has_role(request.membership, Membership.Role.ADMIN),
        "embed": f'<script src="{script}" data-store="{request.store.slug}" async></script>',
        "preview_url": reverse("chat:preview", args=[request.store.slug]),
        "stats": self_service(request.store, days=30),
    }
    return render(request, "chat/settings.html", context, status=status)


@store_required
def flow_delete(request, flow_id: int):
    flow = _flow(request, flow_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    check_role(request, Membership.Role.ADMIN)
    flows.delete_flow(flow=flow)
    messages.success(request, _("Guided flow deleted."))
    return redirect("chat-staff:settings")


def _flow(request, raw) -> GuidedFlow | None:
    if raw in (None, ""):
        return None
    flow = GuidedFlow.objects.filter(store=request.store, pk=int(raw) if str(raw).isdigit() else 0).first()
    if flow is None:
        raise Http404("No such guided flow.")
    return flow


def _field_names() -> list[str]:
    labels = [flows.label_field(code) for code in flows.LANGUAGE_CODES]
    return [*labels, "article", "ask_order", "tag", "position", "enabled"]


def _values(flow: GuidedFlow | None) -> dict:
    if flow is None:
        return {"ask_order": "on", "enabled": "on", "position": "0"}
    values = {flows.label_field(code): text for code, text in flow.labels.items()}
    return values | {
        "article": str(flow.article_id or ""), "ask_order": "on" if flow.ask_order else "", "tag": flow.tag,
        "position": str(flow.position), "enabled": "on" if flow.enabled else "",
    }  # fmt: skip
