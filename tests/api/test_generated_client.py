"""An integrator's view: a Python client generated from the live schema works against the live server.

openapi-python-client reads /api/openapi.json from `cxloop serve` and writes a
typed client package into the test's tmp directory; the test imports it and
calls a few endpoints. Generation must be clean: a warning means a part of
the schema the client could not express, and fails the test. Errors come back
as the typed `ErrorOut` (`InvalidOut` for a 422) with `error`, `detail`, `field`.
"""

import importlib
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from cxloop.testing.apiserver import api_server  # noqa: F401 (fixture)

GENERATOR = str(Path(sys.executable).parent / "openapi-python-client")
PACKAGE = "cxloop_api_client"


@pytest.fixture(scope="module")
def client_package(api_server, tmp_path_factory):  # noqa: F811
    """The generated package, importable; removed from sys.modules afterwards."""
    root = tmp_path_factory.mktemp("client")
    schema = root / "openapi.json"
    schema.write_bytes(httpx.get(f"{api_server.url}/api/openapi.json", timeout=30).raise_for_status().content)
    done = subprocess.run(
        [GENERATOR, "generate", "--path", str(schema), "--meta", "none"],
        cwd=root, capture_output=True, text=True, timeout=300,
        # The generator formats its output with ruff, found on PATH.
        env={**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"},
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "Warning" not in output and "Error" not in output, output
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(root))
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def module(package, name: str):
    return importlib.import_module(f"{package.__name__}.{name}")


@pytest.fixture
def client(client_package, api_server):  # noqa: F811
    return client_package.AuthenticatedClient(base_url=api_server.url, token=api_server.key)


def test_the_generated_client_lists_customers(client_package, client, api_server):  # noqa: F811
    list_customers = module(client_package, "api.store_data.cxloop_commerce_api_list_customers")

    page = list_customers.sync(client=client)

    assert type(page).__name__ == "PagedCustomerOut"
    assert page.count == 1
    assert [(c.id, c.email) for c in page.items] == [(api_server.customer_id, "ania@example.pl")]


def test_a_missing_customer_is_a_typed_404_error(client_package, client):
    get_customer = module(client_package, "api.store_data.cxloop_commerce_api_get_customer")

    response = get_customer.sync_detailed(customer_id=999_999, client=client)

    assert response.status_code == 404
    error = response.parsed
    assert type(error).__name__ == "ErrorOut"
    assert (error.error, error.detail, error.field) == ("not_found", "No such customer.", None)


def test_an_invalid_survey_is_a_typed_422_naming_the_field(client_package, client):
    create_survey = module(client_package, "api.surveys.cxloop_surveys_api_create_survey")
    models = module(client_package, "models")
    # A custom survey opened with no questions: valid by the schema, refused by the survey rules.
    body = models.SurveyIn(name="Returns", kind=models.SurveyInKind.CUSTOM, active=True)

    response = create_survey.sync_detailed(client=client, body=body)

    assert response.status_code == 422
    error = response.parsed
    assert type(error).__name__ == "InvalidOut"
    assert (error.error, error.field) == ("invalid", "questions")
    assert "question" in error.detail
    assert [(e.error, e.field) for e in error.errors] == [("invalid", "questions")]


def test_a_valid_survey_is_created(client_package, client):
    create_survey = module(client_package, "api.surveys.cxloop_surveys_api_create_survey")
    models = module(client_package, "models")

    response = create_survey.sync_detailed(
        client=client, body=models.SurveyIn(name="After delivery", kind=models.SurveyInKind.NPS)
    )  # noqa: E501

    assert response.status_code == 201
    assert (response.parsed.name, response.parsed.status) == ("After delivery", "draft")


def test_a_wrong_key_is_a_typed_401(client_package, api_server):  # noqa: F811
    get_customer = module(client_package, "api.store_data.cxloop_commerce_api_get_customer")
    stranger = client_package.AuthenticatedClient(base_url=api_server.url, token="cxk_wrong")

    response = get_customer.sync_detailed(customer_id=api_server.customer_id, client=stranger)

    assert response.status_code == 401
    assert response.parsed.error == "unauthorized"
