"""Headers and error pages every response carries (security.md H2, H3), and whose address a request is."""

from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory

from cxloop.core.audit import Actor
from cxloop.core.http import client_ip
from cxloop.surveys.ratelimit import client_address


def test_html_pages_carry_a_content_security_policy(db):
    response = Client().get("/login/")

    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def test_staff_pages_are_never_cached(staff_client):
    response = staff_client.get("/")

    assert "no-store" in response["Cache-Control"]


def test_json_errors_carry_a_charset_and_no_traceback(api_client):
    response = api_client.post("/api/v1/events", data=b"{", content_type="application/json")

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert "Traceback" not in response.content.decode()


def test_health_check_answers_ok(db):
    response = Client().get("/healthz")

    assert (response.status_code, response.content) == (200, b"ok")


def test_get_on_a_webhook_url_is_405(store):
    response = Client().get(f"/webhooks/shopify/{store.slug}/")

    assert response.status_code == 405


def _request(remote_addr: str, forwarded: str | None = None):
    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
    request = RequestFactory(REMOTE_ADDR=remote_addr).get("/", headers=headers)
    request.user = AnonymousUser()
    return request


def test_the_audit_log_and_the_rate_limits_read_the_same_client_address(settings):
    # without a proxy, X-Forwarded-For is the client's own claim and is ignored
    settings.CXLOOP_BEHIND_PROXY = False
    spoofed = _request("203.0.113.5", forwarded="1.2.3.4")
    assert client_ip(spoofed) == Actor.from_request(spoofed).ip == client_address(spoofed) == "203.0.113.5"

    # behind a proxy, only the entry the proxy added counts
    settings.CXLOOP_BEHIND_PROXY = True
    proxied = _request("10.0.0.1", forwarded="1.2.3.4, 5.6.7.8")
    assert client_ip(proxied) == Actor.from_request(proxied).ip == client_address(proxied) == "5.6.7.8"
    assert client_ip(_request("10.0.0.1", forwarded="")) == "10.0.0.1"  # no header: the proxy's own address


def test_a_client_address_that_is_not_an_ip_is_none_and_shares_one_rate_limit(settings):
    settings.CXLOOP_BEHIND_PROXY = True
    garbage = _request("10.0.0.1", forwarded="1.2.3.4, not-an-ip")

    assert client_ip(garbage) is None
    assert client_address(garbage) == "unknown"
    assert client_ip(_request("2001:DB8::1")) == "2001:db8::1"  # written one way, counted once
