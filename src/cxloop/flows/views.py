"""Public pages of messaging: one-click unsubscribe (RFC 8058)."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import services


@csrf_exempt  # RFC 8058: the mailbox provider POSTs without cookies; the token is the credential.
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """GET asks to confirm (link scanners fetch URLs); POST unsubscribes, with no redirect."""
    contact = services.read_unsubscribe_token(token)
    if contact is None:
        raise Http404("This unsubscribe link is not valid.")
    if request.method == "GET":
        return render(request, "flows/unsubscribe_confirm.html", {"store": contact.store})
    services.unsubscribe(store=contact.store, email=contact.customer.email, source="list-unsubscribe")
    if request.POST.get("List-Unsubscribe") == "One-Click":
        return HttpResponse("Unsubscribed.", content_type="text/plain")
    return render(request, "flows/unsubscribe_done.html", {"store": contact.store})
