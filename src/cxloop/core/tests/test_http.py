"""Headers and error pages every response carries (security.md H2, H3)."""

from django.test import Client


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
