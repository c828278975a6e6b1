"""The API keeps the contract its OpenAPI schema states: schemathesis, every check, on a running server.

Schemathesis reads /api/openapi.json from `cxloop serve` and sends generated
requests, valid and invalid, to every operation: once with a secret store
API key (the store-data and survey operations), once with a signed-in
owner's session (the team operations, which take no key). Every check runs
(`--checks all`): no 5xx, only documented statuses, bodies and headers as
documented, invalid data refused, valid data accepted, Allow on 405, ...
Generation is deterministic, so a run repeats the same requests.

Where a check cannot hold for an operation, the configuration below says
which and why, for that operation only.
"""

import subprocess
import sys
from pathlib import Path

from cxloop.testing.apiserver import api_server  # noqa: F401 (fixture)

SCHEMATHESIS = str(Path(sys.executable).parent / "schemathesis")
EXAMPLES_PER_OPERATION = 10

# Rules of a request that depend on the store's data or on more than one field, which JSON Schema
# cannot state: schema-valid requests may break them and get 422 naming the field. Only for these
# operations does `positive_data_acceptance` take a 422 as an acceptable answer.
DATA_DEPENDENT_RULES = {
    "/api/v1/events": "occurred_at not in the future, an email that is an address, text without "
    "control characters, identity_hash only with an email",
    "/api/v1/surveys": "names and texts without control characters, a custom survey's questions "
    "(only custom surveys have them; an active one needs one), notify_user_ids of the store's staff",
    "/api/v1/surveys/{survey_id}/invitations": "customer_ids of the store's customers",
    "/api/v1/survey-answers": "a score on the survey's scale, answers to the survey's own questions",
    "/api/v1/conversations": "a contact_email that is an address, names and texts without control "
    "characters, a text not only spaces",
    "/api/v1/conversations/{conversation_id}/messages": "a text without control characters, not only "
    "spaces, a client_id not used in another conversation",
    "/api/v1/webhooks/endpoints": "a URL cxloop may deliver to (https, a host), registered events, "
    "a description without control characters",
    "/api/v1/segments": "a query in the segment language (docs/segments.md), a name not taken",
    "/api/v1/segments/preview": "a query in the segment language (docs/segments.md)",
    "/api/v1/segments/{segment_id}": "a query in the segment language, a name not taken",
    **{
        f"/api/v1/reports/{report}": "days or from and to, not both; from not after to, at most 366 days "
        "apart, to not after today, and the period before from 1970 on"
        for report in ("summary", "channels", "journeys", "satisfaction", "support", "products", "funnel")
    },
}
ACCEPTED = '["2xx", 401, 403, 404, 409, 410, 422, 429]'


def config(auth: str) -> str:
    sections = [
        # The strict JSON reader refuses NUL and lone surrogates in every string (400, docs/api.md);
        # no JSON Schema keyword says so of a string, so generated strings hold neither.
        '[generation]\nallow-x00 = false\ncodec = "utf-8"\n',
        auth,
    ]
    for path, why in DATA_DEPENDENT_RULES.items():
        sections.append(
            f'# {why}\n[[operations]]\ninclude-path = "{path}"\n'
            f"checks.positive_data_acceptance.expected-statuses = {ACCEPTED}\n"
        )
    return "\n".join(sections)


def run_schemathesis(server, tmp_path: Path, name: str, *, auth: str, args: list[str]) -> str:
    config_file = tmp_path / f"{name}.toml"
    config_file.write_text(config(auth))
    done = subprocess.run(
        [
            SCHEMATHESIS, "--config-file", str(config_file), "run", f"{server.url}/api/openapi.json",
            "--checks", "all", "--max-examples", str(EXAMPLES_PER_OPERATION), "--generation-deterministic",
            "--workers", "1", "--no-color", "--output-truncate", "true", *args,
        ],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-25000:] + "\n--- server log ---\n" + server.log()[-5000:]
    return output


def test_the_store_api_keeps_its_schema_with_a_secret_key(api_server, tmp_path):  # noqa: F811
    output = run_schemathesis(
        api_server, tmp_path, "key",
        auth=f'[auth.openapi.StoreApiKey]\nbearer = "{api_server.key}"\n',
        args=["--exclude-path-regex", "^/api/v1/stores/"],
    )  # fmt: skip

    assert "Tested: 47" in output, output[-3000:]  # every store-key operation, segments and reports included


def test_the_team_api_keeps_its_schema_with_a_staff_session(api_server, tmp_path):  # noqa: F811
    # The session cookie and its CSRF token go as fixed headers (Django checks the token against the
    # csrftoken cookie), so schemathesis is told not to vary the session cookie itself.
    output = run_schemathesis(
        api_server, tmp_path, "session",
        auth="",
        args=[
            "--include-path-regex", "^/api/v1/stores/",
            "--header", f"Cookie: {api_server.session_headers['Cookie']}",
            "--header", f"X-CSRFToken: {api_server.csrf}",
            "--generation-with-security-parameters", "false",
        ],
    )  # fmt: skip

    assert "Tested: 11" in output, output[-3000:]
