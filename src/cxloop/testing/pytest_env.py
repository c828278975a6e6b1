"""pytest plugin loaded with ``-p``: marks the process as a test run.

It runs before pytest-django imports the settings, so ``settings.py`` sees
``CXLOOP_TESTING`` and allows the development secret key.
"""

import os

os.environ.setdefault("CXLOOP_TESTING", "1")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
