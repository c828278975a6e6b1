"""The JSON API: one NinjaAPI, each app mounts its router.

The OpenAPI schema (/api/openapi.json) and its docs page (/api/docs) are
public: they describe the endpoints every installation has (the same as the
source), never a store's data, and integrators generate clients from them.
Swagger UI's files are served from this server (`ninja` in INSTALLED_APPS),
so the page renders under the project's Content-Security-Policy.
"""

from django.http import Http404, HttpRequest
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.openapi.docs import Swagger
from ninja.parser import Parser

from cxloop.core import strictjson
from cxloop.core.apiauth import StoreApiKey
from cxloop.core.errors import DomainError


class StrictParser(Parser):
    """Parse JSON bodies with the strict reader (no NaN, duplicate keys, NUL, ...)."""

    def parse_body(self, request: HttpRequest):
        return strictjson.loads(request.body)


api = NinjaAPI(
    title="cxloop API",
    version="1",
    description="Store data in and out of cxloop. Authenticate with a store API key.",
    parser=StrictParser(),
    auth=StoreApiKey(),
    urls_namespace="api",
    # No validator badge: Swagger UI would send the schema to validator.swagger.io.
    docs=Swagger(settings={"validatorUrl": None}),
)


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(Http404)
def not_found(request, exc: Http404):
    # The API's error shape for a store-scoped lookup that found nothing ("No such customer.").
    detail = str(exc) or "Not found."
    return api.create_response(request, {"error": "not_found", "detail": detail}, status=404)


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    first = exc.errors[0] if exc.errors else {}
    location = ".".join(str(part) for part in first.get("loc", ()) if part not in ("body", "payload"))
    detail = f"{location}: {first.get('msg', 'invalid')}" if location else first.get("msg", "invalid")
    return api.create_response(
        request, {"error": "invalid", "detail": detail, "errors": exc.errors}, status=422
    )


@api.exception_handler(AuthenticationError)
def auth_error(request, exc):
    return api.create_response(
        request,
        {"error": "unauthorized", "detail": "A valid store API key is required (Authorization: Bearer <key>)."},  # noqa: E501
        status=401,
    )


def _mount():
    from cxloop.commerce.api import router as commerce_router
    from cxloop.core.api import router as team_router
    from cxloop.surveys.api import router as surveys_router

    api.add_router("/v1/", commerce_router)
    api.add_router("/v1/", surveys_router)
    api.add_router("/v1/", team_router)


_mount()
