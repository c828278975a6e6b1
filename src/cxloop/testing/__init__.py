"""Test support shared by every app's tests (pytest plugin, browser helpers)."""
