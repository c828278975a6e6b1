"""Fixtures of the commerce tests."""

from .actions_helpers import waits  # noqa: F401 (a fixture: rate-limit waits, recorded)
