"""The JSON API: one NinjaAPI, each app mounts its router.

The OpenAPI schema (/api/openapi.json) and its docs page (/api/docs) are
public: they describe the endpoints every installation has (the same as the
source), never a store's data, and integrators generate clients from them.
Swagger UI's files are served from this server (`ninja` in INSTALLED_APPS),
so the page renders under the project's Content-Security-Policy.
"""

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.docs import Swagger
from ninja.parser import Parser

from cxloop.core import strictjson
from cxloop.core.apiauth import StoreApiKey
from cxloop.core.apierrors import document_error_responses, field_path, invalid_body
from cxloop.core.errors import DomainError, error_body


class StrictParser(Parser):
    """Parse JSON bodies with the strict reader (no NaN, duplicate keys, NUL, ...)."""

    def parse_body(self, request: HttpRequest):
        return strictjson.loads(request.body)


class CxloopApi(NinjaAPI):
    def validation_error_from_error_contexts(self, error_contexts):
        """ninja's validation errors, each with the `field` path the client wrote (`questions[0].kind`)."""
        errors = []
        for context in error_contexts:
            body_param = getattr(context.model, "__read_from_single_attr__", None)
            for problem in super().validation_error_from_error_contexts([context]).errors:
                errors.append({**problem, "field": field_path(problem["loc"], body_param=body_param)})
        return ValidationError(errors)


api = CxloopApi(
    title="cxloop API",
    version="1",
    description=(
        "Store data in and out of cxloop. Authenticate with a store API key. Every error answers "
        '{"error": code, "detail": sentence, "field": input path or null}; a 422 also lists '
        "every problem in `errors` (docs/api.md)."
    ),
    parser=StrictParser(),
    auth=StoreApiKey(),
    urls_namespace="api",
    # No validator badge: Swagger UI would send the schema to validator.swagger.io.
    docs=Swagger(settings={"validatorUrl": None}),
)

HTTP_ERROR_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    409: "conflict", 413: "body_too_large", 429: "rate_limited", 503: "unavailable",
}  # fmt: skip


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    response = api.create_response(request, exc.as_dict(), status=exc.status)
    retry_after = getattr(exc, "retry_after", None)  # RateLimited, MailFlood: as the header clients read
    if exc.status in (429, 503) and retry_after is not None:
        response["Retry-After"] = str(max(1, int(retry_after)))
    return response


@api.exception_handler(Http404)
@api.exception_handler(ObjectDoesNotExist)
def not_found(request, exc):
    # A store-scoped lookup that found nothing says what it looked for ("No such customer.").
    detail = str(exc) if isinstance(exc, Http404) and str(exc) else "Not found."
    return api.create_response(request, error_body("not_found", detail), status=404)


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    return api.create_response(request, invalid_body(exc.errors), status=422)


@api.exception_handler(MultiPartParserError)
def unreadable_form(request, exc):
    # Django's CSRF check reads a form body: a multipart Content-Type without a boundary raises here.
    detail = f"The body cannot be read as its Content-Type says: {exc}"
    return api.create_response(request, error_body("bad_request", detail), status=400)


@api.exception_handler(AuthenticationError)
def auth_error(request, exc):
    detail = "A valid store API key is required (Authorization: Bearer <key>)."
    return api.create_response(request, error_body("unauthorized", detail), status=401)


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    # ninja wraps what the body parser raised (strictjson's MalformedBody) into HttpError(400).
    if isinstance(exc.__cause__, DomainError):
        return domain_error(request, exc.__cause__)
    code = HTTP_ERROR_CODES.get(exc.status_code, "error")
    response = api.create_response(request, error_body(code, str(exc)), status=exc.status_code)
    if getattr(exc, "wait", None):
        response["Retry-After"] = str(int(exc.wait))
    return response


def _mount():
    from cxloop.analytics.api import router as reports_router
    from cxloop.commerce.api import router as commerce_router
    from cxloop.core.api import router as team_router
    from cxloop.helpdesk.api import router as helpdesk_router
    from cxloop.hooks.api import router as hooks_router
    from cxloop.segments.api import router as segments_router
    from cxloop.surveys.api import router as surveys_router

    routers = [
        commerce_router, surveys_router, hooks_router, helpdesk_router, segments_router, team_router,
        reports_router,
    ]  # fmt: skip
    document_error_responses(routers, api_auth=api.auth)
    for router in routers:
        api.add_router("/v1/", router)


_mount()
