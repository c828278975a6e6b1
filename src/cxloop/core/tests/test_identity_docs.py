"""The server-side examples in docs/identity.md sign emails the way cxloop checks them."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from cxloop.core.identity import is_signed_identity, sign_identity

DOC = Path(__file__).resolve().parents[4] / "docs" / "identity.md"
SECRET = "cxid_" + "5e" * 32
EMAILS = ["ana@example.com", "  Zoë.Nowak@Example.PL ", "ŁUCJA@przykład.pl"]


def code_block(language: str) -> str:
    [block] = re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    return block


@pytest.mark.parametrize("email", EMAILS)
def test_the_documented_python_example_signs_like_cxloop_checks(email):
    namespace: dict = {}
    exec(code_block("python"), namespace)  # noqa: S102 (our own documentation)
    namespace["CXLOOP_IDENTITY_SECRET"] = SECRET

    identity_hash = namespace["cxloop_identity_hash"](email)

    assert is_signed_identity(SECRET, email, identity_hash)
    assert identity_hash == sign_identity(SECRET, email)


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
@pytest.mark.parametrize("email", EMAILS)
def test_the_documented_node_example_signs_like_cxloop_checks(email):
    program = code_block("js") + "\nprocess.stdout.write(cxloopIdentityHash(process.argv[1]));\n"

    result = subprocess.run(
        ["node", "-e", program, email],
        env={**os.environ, "CXLOOP_IDENTITY_SECRET": SECRET},
        capture_output=True, text=True, check=True, timeout=30,
    )  # fmt: skip

    assert is_signed_identity(SECRET, email, result.stdout)
