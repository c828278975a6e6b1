import pytest

pytest_plugins = ["cxloop.testing.fixtures"]

BROWSER_FIXTURES = {"page", "context", "browser"}


def pytest_collection_modifyitems(config, items):
    """Refuse a test outside tests/browser that names Playwright's fixtures (even as a parameter).

    Playwright parametrizes such a test by browser for the whole session, and pytest then runs the
    browser tests beside it, early: their event loop stays in the main thread, and the async tests
    collected after them (the chat's) fail with "You cannot use AsyncToSync in the same thread".
    """
    wrong = [
        item.nodeid
        for item in items
        if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ()))
        and item.get_closest_marker("browser") is None
    ]
    if wrong:
        raise pytest.UsageError(
            "these tests name a Playwright fixture (page, context, browser) without the browser mark; "
            "rename the parameter or mark them: " + ", ".join(wrong[:5])
        )
