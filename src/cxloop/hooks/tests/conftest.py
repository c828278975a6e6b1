import re
from pathlib import Path

import pytest

from cxloop.hooks import services

DOCS = Path(__file__).resolve().parents[4] / "docs" / "webhooks-out.md"


def docs_verify_function():
    """The receiver's signature check, exactly as docs/webhooks-out.md prints it."""
    text = DOCS.read_text()
    [code] = re.findall(r"<!-- signature-snippet -->\n```python\n(.*?)```", text, flags=re.S)
    namespace: dict = {}
    exec(compile(code, str(DOCS), "exec"), namespace)
    return namespace["verify_cxloop_signature"]


@pytest.fixture
def verify_signature():
    return docs_verify_function()


@pytest.fixture
def endpoint(store, webhook_receiver):
    """An endpoint whose receiver checks each request with the documented snippet and its secret."""
    endpoint = services.create_endpoint(store=store, url=webhook_receiver.url, events=["ping"])
    verify, secret = docs_verify_function(), endpoint.secret
    webhook_receiver.verify = lambda headers, body: verify(secret, headers, body)
    return endpoint
