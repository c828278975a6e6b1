"""Every shipped catalogue is complete, and its compiled .mo matches the .po.

The messages are extracted from the source the way ``makemessages`` does it
(into a copy of the package, so the committed catalogues are not touched) and
each language's ``django.po`` must hold every one of them, translated, not
fuzzy, with every plural form. The ``.mo`` must say what the ``.po`` says, and
the ``.po`` must pass ``msgfmt --check-format`` (placeholders kept exactly).

When this fails after adding strings: ``cd src/cxloop && cxloop makemessages
--no-obsolete -l pl -l lv -l fa -l zh_Hans -l zh_Hant``, translate, then
``msgfmt --check-format -o django.mo django.po`` in each LC_MESSAGES folder.
"""

import shutil
import subprocess
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils.translation import to_locale

PACKAGE = Path(__file__).resolve().parents[2]
LOCALE = PACKAGE / "locale"
SHIPPED = ["pl", "lv", "fa", "zh_Hans", "zh_Hant"]


def test_gnu_gettext_is_installed():
    # `make test` installs it; without it the checks below could not run, which must fail, not skip.
    assert shutil.which("xgettext") and shutil.which("msgfmt"), "install GNU gettext: apt-get install gettext"


def test_every_language_of_the_site_has_a_catalogue():
    assert {to_locale(code) for code, _ in settings.LANGUAGES if code != "en"} == set(SHIPPED)
    for lang in SHIPPED:
        assert (LOCALE / lang / "LC_MESSAGES" / "django.po").is_file()


def key(entry):
    return (entry.msgctxt or "", entry.msgid)


def label(k):
    ctxt, msgid = k
    return f"[{ctxt}] {msgid!r}" if ctxt else repr(msgid)


@pytest.fixture(scope="module")
def source_messages(tmp_path_factory, monkeypatch_module):
    """The msgids the source holds today, extracted as makemessages does."""
    copy = tmp_path_factory.mktemp("src") / "cxloop"
    shutil.copytree(
        PACKAGE,
        copy,
        ignore=shutil.ignore_patterns("__pycache__", "*.mo", "*.po"),
    )
    (copy / "locale").mkdir(exist_ok=True)
    monkeypatch_module.chdir(copy)
    # The copy's own locale/ is where the template goes; the real one stays untouched.
    monkeypatch_module.setattr(settings, "LOCALE_PATHS", [str(copy / "locale")])
    call_command("makemessages", locale=["pl"], keep_pot=True, verbosity=0)
    pot = polib.pofile(str(copy / "locale" / "django.pot"))
    messages = {key(e) for e in pot if not e.obsolete}
    assert len(messages) > 500, "extraction found too few messages; is the copy complete?"
    return messages


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


@pytest.mark.parametrize("lang", SHIPPED)
def test_catalogue_has_every_message_of_the_source(lang, source_messages):
    po = polib.pofile(str(LOCALE / lang / "LC_MESSAGES" / "django.po"))
    present = {key(e) for e in po if not e.obsolete}
    missing = sorted(source_messages - present)
    assert not missing, f"{lang}: {len(missing)} messages not in the catalogue, e.g. " + "; ".join(
        label(k) for k in missing[:5]
    )


@pytest.mark.parametrize("lang", SHIPPED)
def test_catalogue_is_translated_and_not_fuzzy(lang):
    po = polib.pofile(str(LOCALE / lang / "LC_MESSAGES" / "django.po"))
    nplurals = int(po.metadata["Plural-Forms"].split("nplurals=")[1].split(";")[0])
    untranslated = [e for e in po if not e.obsolete and not e.translated() and "fuzzy" not in e.flags]
    fuzzy = [e for e in po if not e.obsolete and "fuzzy" in e.flags]
    short_plurals = [e for e in po if e.msgid_plural and len(e.msgstr_plural) != nplurals]
    assert not untranslated, f"{lang}: {len(untranslated)} untranslated, e.g. " + "; ".join(
        label(key(e)) for e in untranslated[:5]
    )
    assert not fuzzy, f"{lang}: {len(fuzzy)} fuzzy, e.g. " + "; ".join(label(key(e)) for e in fuzzy[:5])
    assert not short_plurals, f"{lang}: plural entries without {nplurals} forms: " + "; ".join(
        label(key(e)) for e in short_plurals[:5]
    )


@pytest.mark.parametrize("lang", SHIPPED)
def test_compiled_catalogue_matches_its_source(lang, tmp_path):
    folder = LOCALE / lang / "LC_MESSAGES"
    fresh = tmp_path / "django.mo"
    result = subprocess.run(
        ["msgfmt", "--check-format", "-o", str(fresh), str(folder / "django.po")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, f"{lang}: msgfmt --check-format failed:\n{result.stderr}"

    def contents(path):
        mo = polib.mofile(str(path))
        return {key(e): (e.msgstr, dict(e.msgstr_plural)) for e in mo if e.msgid}

    committed, expected = contents(folder / "django.mo"), contents(fresh)
    stale = sorted(k for k in expected.keys() | committed.keys() if committed.get(k) != expected.get(k))
    assert not stale, (
        f"{lang}: django.mo is out of date with django.po ({len(stale)} messages differ, e.g. "
        + "; ".join(label(k) for k in stale[:3])
        + "); run msgfmt --check-format -o django.mo django.po"
    )
