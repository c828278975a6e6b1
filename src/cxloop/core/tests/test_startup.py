"""The web and socket entry points leave their start-up objects out of the collector's full passes,
and collect their young objects less often."""

import os
import subprocess
import sys

import pytest

PROBE = (
    "import gc, importlib, sys; importlib.import_module(sys.argv[1]); "
    "print(gc.get_freeze_count(), len(gc.get_objects()), gc.get_threshold()[0])"
)


@pytest.mark.parametrize("module", ["cxloop.wsgi", "cxloop.asgi"])
def test_an_entry_point_freezes_what_start_up_made(module):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cxloop.settings", "DEBUG": "1"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, module],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    frozen, tracked, young_threshold = map(int, done.stdout.split())
    # Django and the apps leave well over 50,000 container objects; after settle() the full collection
    # sees only the few made since (gc.get_objects lists the unfrozen ones).
    assert frozen > 50_000
    assert tracked < frozen / 10
    # and the young generation is collected every 20,000 allocations, not 700 (core/startup.py)
    assert young_threshold == 20_000
