"""The widget's HTTP endpoints under /chat/<store>/ (JSON; any storefront origin; no cookies).

    POST start      {token?, lang, page_url, page_title, anonymous_id, email?, identity_hash?}
                    -> {token, visitor_id, messages, socket_url, poll_url, online, opens_at, strings}
    POST messages   {text, client_id}                    -> {message}  (201 new, 200 sent before)
    GET  messages?after=N&notices=M&wait=S   long polling: the messages after id N and the store's
                    lines (chat.notices) after notice M, waiting up to S seconds (max 25) when none
    POST contact    {name, email}      -> {verification: "sent" | "limited" | ""}  (chat.verification)
    POST seen       {page_url, page_title}               -> {}
    POST suggest    {q}                                  -> {articles: [{id, title, url, snippet}]}
    POST deflected  {article_id}                         -> {}
    POST order      {number, email}                      -> {order} or 404 (the same for a wrong email)
    POST flow       {flow_id, order_number, text, client_id} -> {message}  (a guided flow's request)
    POST attachments  multipart: file, client_id, text?  -> {message}  (201 new, 200 sent before)
    GET  attachments/<id>   a file of the visitor's own chat (as a download; 404 for any other)

Everything but start takes the visitor token as `Authorization: Bearer <token>`.
Errors are the API's JSON shape (core.errors) with a 4xx status.
"""

import asyncio
import json
import re
import time

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import FileResponse, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from cxloop.core import asgi_limits
from cxloop.core.errors import (
    DomainError,
    InvalidInput,
    MalformedBody,
    NotFound,
    RateLimited,
    error_body,
)
from cxloop.core.middleware import CSP
from cxloop.core.models import Store
from cxloop.helpdesk import filetypes
from cxloop.surveys import ratelimit

from . import attachments, availability, flows, realtime, services, verification
from .strings import widget_strings

SLUG = re.compile(r"[-\w]{1,80}")
MAX_BODY = 32 * 1024
POLL_WAIT_MAX = 25  # seconds a long poll may wait
POLL_CHECK = 2.0  # seconds between database checks while waiting (a push ends the wait sooner)
STARTS_PER_MINUTE = 30  # per address
SUGGESTS_PER_MINUTE = 30
MULTIPART_SLACK = asgi_limits.MULTIPART_SLACK  # a file's upload: its form's other fields and boundaries


def _cors(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = "Retry-After"
    response["Cache-Control"] = "no-store"
    return response


def _preflight() -> HttpResponse:
    response = HttpResponse(status=204)
    response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
    response["Access-Control-Max-Age"] = "86400"
    return _cors(response)


def _error(error: DomainError) -> JsonResponse:
    response = JsonResponse(error.as_dict(), status=error.status)
    if getattr(error, "retry_after", None):
        response["Retry-After"] = str(error.retry_after)
    return _cors(response)


def _limit(scope: str, request, limit: int, period: int = 60) -> None:
    decision = ratelimit.hit(scope, ratelimit.client_address(request), limit=limit, period=period)
    if not decision.allowed:
        raise RateLimited(_("Too many requests; try again in a moment."), retry_after=decision.retry_after)


def _store(slug: str) -> Store:
    store = Store.objects.filter(slug=slug).first() if SLUG.fullmatch(slug) else None
    if store is None:
        raise NotFound("No such store.")
    return store


def _body(request) -> dict:
    if len(request.body) > MAX_BODY:
        raise MalformedBody(f"The body is larger than {MAX_BODY} bytes.")
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        raise MalformedBody("The body is not JSON.") from None
    if not isinstance(data, dict):
        raise MalformedBody("The body is not a JSON object.")
    return data


def _token(request) -> str:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.startswith("Bearer ") else ""


def _visitor(request, store_slug: str):
    store = _store(store_slug)
    return services.visitor_from_token(_token(request), store=store)


def _text(data: dict, name: str) -> str:
    value = data.get(name, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(f"{name}: must be a string.", field=name)
    return value


def widget(methods: tuple[str, ...]):
    """A widget endpoint: CORS, the preflight, no CSRF (no cookies), JSON errors, the visitor's language."""

    def wrap(view):
        @csrf_exempt
        def endpoint(request, store_slug: str, **kwargs):
            if request.method == "OPTIONS":
                return _preflight()
            if request.method not in methods:
                return _cors(
                    JsonResponse(error_body("method_not_allowed", "Method not allowed."), status=405)
                )
            language = services.clean_language(request.GET.get("lang", "")) or "en"
            try:
                with translation.override(language):
                    return _cors(view(request, store_slug, **kwargs))
            except DomainError as error:
                return _error(error)

        return endpoint

    return wrap


@widget(("POST",))
def start(request, store_slug: str):
    store = _store(store_slug)
    _limit(f"chat-start:{store.pk}", request, STARTS_PER_MINUTE)
    data = _body(request)
    visitor, token = services.start(
        store=store,
        token=_text(data, "token"),
        language=_text(data, "lang"),
        page_url=_text(data, "page_url"),
        page_title=_text(data, "page_title"),
        anonymous_id=_text(data, "anonymous_id"),
        identity_email=_text(data, "email"),
        identity_hash=_text(data, "identity_hash"),
    )
    with translation.override(visitor.language):
        state = availability.now(store)
        return JsonResponse({
            "token": token,
            "visitor_id": visitor.pk,
            "language": visitor.language,
            "rtl": translation.get_language_bidi(),
            "messages": services.history(visitor),
            "socket_url": _socket_url(request),
            "poll_url": request.build_absolute_uri(reverse("chat:messages", args=[store.slug])),
            "help_url": request.build_absolute_uri(reverse("helpcenter-public:index", args=[store.slug])),
            "store_name": store.name,
            "online": state.online,
            "opens_at": state.opens_at_text,
            "has_email": bool(visitor.email),
            "strings": widget_strings(store.name),
            "file_limit": settings.CXLOOP_CHAT_MAX_FILE_BYTES,
            "flows": _widget_flows(request, store, visitor.language),
        })  # fmt: skip


def _widget_flows(request, store, language: str) -> list[dict]:
    shown = flows.widget_flows(store, language)
    for item in shown:
        if item["article"]:
            path = reverse("helpcenter-public:article", args=[store.slug, item["article"]["slug"]])
            item["article"]["url"] = request.build_absolute_uri(f"{path}?lang={item['article']['language']}")
    return shown


def _socket_url(request) -> str:
    origin = settings.CXLOOP_CHAT_SOCKET_ORIGIN
    if not origin:
        origin = (
            request.build_absolute_uri("/")
            .rstrip("/")
            .replace("https://", "wss://")
            .replace("http://", "ws://")
        )
    return origin.rstrip("/") + "/chat/ws/visitor/"


@csrf_exempt
async def messages(request, store_slug: str):
    if request.method == "OPTIONS":
        return _preflight()
    if request.method == "POST":
        return await sync_to_async(_post_message)(request, store_slug)
    if request.method != "GET":
        return _cors(JsonResponse(error_body("method_not_allowed", "Method not allowed."), status=405))
    try:
        visitor = await sync_to_async(_visitor)(request, store_slug)
        after, wait = _int(request, "after", 0), min(_int(request, "wait", 0), POLL_WAIT_MAX)
        # A widget that does not say `notices` (an older script still cached) is sent none: it could
        # not move past them, and its poll would come back at once, again and again.
        notices_after = _int(request, "notices", 0) if "notices" in request.GET else None
    except DomainError as error:
        return _error(error)
    found = await _wait_for_messages(visitor, after, notices_after, wait)
    return _cors(JsonResponse({"messages": found}))


@widget(("POST",))
def _post_message(request, store_slug: str):
    visitor = _visitor(request, store_slug)
    data = _body(request)
    message, created = services.send(visitor=visitor, text=data.get("text"), client_id=data.get("client_id"))
    return _stored_answer(message, created, data["client_id"])


def _stored_answer(message, created: bool, client_id: str) -> JsonResponse:
    """A visitor's message as stored: 201 the first time, 200 when it was sent before."""
    return JsonResponse(
        {"message": services.widget_message(message, client_id=client_id)}, status=201 if created else 200
    )


async def _wait_for_messages(visitor, after: int, notices_after: int | None, wait: int) -> list[dict]:
    """What came after `after`; if nothing yet, wait up to `wait` seconds for a push or a stored row."""
    await sync_to_async(services.seen)(visitor=visitor)  # once: a poll's checks write nothing
    found = await sync_to_async(_history)(visitor, after, notices_after)
    if found or wait <= 0:
        return found
    layer = get_channel_layer()
    channel = await layer.new_channel()
    group = realtime.visitor_group(visitor.pk)
    await layer.group_add(group, channel)
    deadline = time.monotonic() + wait
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            try:
                await asyncio.wait_for(layer.receive(channel), timeout=min(POLL_CHECK, remaining))
            except TimeoutError:
                pass
            found = await sync_to_async(_history)(visitor, after, notices_after)
            if found:
                return found
    finally:
        await layer.group_discard(group, channel)


def _history(visitor, after: int, notices_after: int | None) -> list[dict]:
    visitor.refresh_from_db(fields=["conversation"])
    return services.history(visitor, after=after, notices_after=notices_after)


def _int(request, name: str, default: int) -> int:
    raw = request.GET.get(name, "")
    if raw == "":
        return default
    if not raw.isdigit() or len(raw) > 12:
        raise InvalidInput(f"{name}: a whole number.", field=name)
    return int(raw)


@widget(("POST",))
def contact(request, store_slug: str):
    visitor = _visitor(request, store_slug)
    data = _body(request)
    visitor = services.set_contact(visitor=visitor, name=_text(data, "name"), email=_text(data, "email"))
    return JsonResponse({"verification": verification.request_verification(visitor)})


@widget(("POST",))
def seen(request, store_slug: str):
    visitor = _visitor(request, store_slug)
    data = _body(request)
    services.seen(visitor=visitor, page_url=_text(data, "page_url"), page_title=_text(data, "page_title"))
    return JsonResponse({})


@widget(("POST",))
def suggest(request, store_slug: str):
    from cxloop.helpcenter.search import suggest_articles

    visitor = _visitor(request, store_slug)
    _limit(f"chat-suggest:{visitor.store_id}", request, SUGGESTS_PER_MINUTE)
    question = _text(_body(request), "q")[:500]
    found = suggest_articles(visitor.store, question, language=visitor.language)
    if found and visitor.suggested_at is None:
        services.offered_articles(visitor=visitor)
    articles = [
        {
            "id": result.text.article_id,
            "title": result.text.title,
            "snippet": result.plain_snippet,
            "url": request.build_absolute_uri(
                reverse("helpcenter-public:article", args=[visitor.store.slug, result.text.article.slug])
                + f"?lang={result.text.language}"
            ),
        }
        for result in found
    ]
    return JsonResponse({"articles": articles})


@widget(("POST",))
def deflected(request, store_slug: str):
    visitor = _visitor(request, store_slug)
    article_id = _body(request).get("article_id")
    if not isinstance(article_id, int) or isinstance(article_id, bool):
        raise InvalidInput("article_id: a whole number.", field="article_id")
    services.record_deflection(visitor=visitor, article_id=article_id)
    return JsonResponse({})


@widget(("POST",))
def flow(request, store_slug: str):
    visitor = _visitor(request, store_slug)
    data = _body(request)
    message, created = flows.submit_flow(
        visitor=visitor,
        flow_id=data.get("flow_id"),
        order_number=_text(data, "order_number"),
        text=_text(data, "text"),
        client_id=data.get("client_id"),
    )
    return _stored_answer(message, created, data["client_id"])


@widget(("POST",))
def order(request, store_slug: str):
    from . import order_status

    visitor = _visitor(request, store_slug)
    data = _body(request)
    found = order_status.look_up(
        store=visitor.store,
        number=_text(data, "number"),
        email=_text(data, "email"),
        client=ratelimit.client_address(request),
    )
    if found is None:  # no such order, or not with this email: one answer for both
        raise NotFound(_("We could not find an order with that number and email address."))
    return JsonResponse({"order": found})


@widget(("POST",))
def upload(request, store_slug: str):
    visitor = _visitor(request, store_slug)
    limit = settings.CXLOOP_CHAT_MAX_FILE_BYTES
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > limit + MULTIPART_SLACK:  # refused before it is read
        raise attachments.too_large(limit)
    try:
        file, fields = request.FILES.get("file"), request.POST
    except (MultiPartParserError, SuspiciousOperation, ValueError):  # too many fields or files too
        raise MalformedBody("The body is not a multipart form.") from None
    if file is None:
        raise InvalidInput('file: missing (a multipart form with the file as "file").', field="file")
    client_id = fields.get("client_id")
    message, created = attachments.send_file(
        visitor=visitor, file=file, filename=file.name, client_id=client_id, caption=fields.get("text", "")
    )
    return _stored_answer(message, created, client_id)


@widget(("GET",))
def attachment(request, store_slug: str, attachment_id: str):
    """A file of the visitor's own chat, as a download that runs nothing (an image keeps its type)."""
    visitor = _visitor(request, store_slug)
    found = attachments.get_visitor_attachment(visitor, attachment_id)
    try:
        handle = found.file.open("rb")
    except FileNotFoundError:
        raise NotFound(_("No such file.")) from None
    image = found.content_type in filetypes.IMAGE_TYPES and filetypes.sniff(handle.read(16))
    handle.seek(0)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=found.filename or "file",
        content_type=image or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def preview(request, store_slug: str):
    """A storefront page with the widget, served by cxloop: the demo's shop window and the owner's preview."""
    from django.http import Http404
    from django.shortcuts import render

    from cxloop.commerce.models import Product

    store = Store.objects.filter(slug=store_slug).first() if SLUG.fullmatch(store_slug) else None
    if store is None:
        raise Http404("No such store.")
    language = services.clean_language(request.GET.get("lang", "")) or store.default_language
    names = dict(settings.LANGUAGES)
    languages = [(code, names.get(code, code)) for code in services.LANGUAGES]
    products = Product.objects.filter(store=store).order_by("pk")[:8]
    with translation.override(language):
        response = render(
            request,
            "chat/preview.html",
            {"store": store, "language": language, "rtl": translation.get_language_bidi(),
             "languages": languages, "products": products},
        )  # fmt: skip
    # The widget shows a chat's images from blob: URLs of what it fetched (a storefront's own CSP
    # needs the same for thumbnails; without it the file is still its link).
    response["Content-Security-Policy"] = CSP.replace("img-src 'self' data:", "img-src 'self' data: blob:")
    return response
