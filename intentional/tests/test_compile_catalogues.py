"""`manage.py compile_catalogues` (SPEC §12): the .po catalogues become the .mo files Django
reads, in pure Python; a catalogue that cannot be read or would break a message is refused.
And the checks `intentional/tests/test_catalogues.py` applies to the real catalogues."""

import gettext
import os
import textwrap
from pathlib import Path

import polib
import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command

from intentional.catalogues import (
    catalogue_paths,
    catalogues_compile,
    completeness_problems,
    format_problems,
)

HEADER = """\
msgid ""
msgstr ""
"Language: fr\\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Content-Transfer-Encoding: 8bit\\n"
"Plural-Forms: nplurals=2; plural=(n > 1);\\n"

"""

GOOD = """\
msgid "Hello"
msgstr "Bonjour"

#, python-format
msgid "%(name)s shared %(count)s moment"
msgid_plural "%(name)s shared %(count)s moments"
msgstr[0] "%(name)s a partagé %(count)s moment"
msgstr[1] "%(name)s a partagé %(count)s moments"

#, python-format
msgctxt "summary"
msgid "“%(quote)s”"
msgstr "« %(quote)s »"

msgid "Not yet"
msgstr ""

#, fuzzy
msgid "Guessed"
msgstr "Deviné"
"""


def _catalogue(root: Path, body: str, language: str = "fr") -> Path:
    folder = root / language / "LC_MESSAGES"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "django.po"
    path.write_text(HEADER.replace("Language: fr", f"Language: {language}") + body)
    return path


@pytest.fixture
def locale(settings, tmp_path):
    settings.LOCALE_PATHS = [tmp_path]
    return tmp_path


def test_compiles_what_gettext_reads_plurals_and_contexts_included(locale):
    po = _catalogue(locale, GOOD)
    call_command("compile_catalogues", verbosity=0)
    mo = po.with_suffix(".mo")
    with mo.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    assert catalogue.gettext("Hello") == "Bonjour"
    singular, plural = "%(name)s shared %(count)s moment", "%(name)s shared %(count)s moments"
    assert catalogue.ngettext(singular, plural, 1) == "%(name)s a partagé %(count)s moment"
    assert catalogue.ngettext(singular, plural, 2) == "%(name)s a partagé %(count)s moments"
    assert catalogue.pgettext("summary", "“%(quote)s”") == "« %(quote)s »"
    # As msgfmt does: untranslated and fuzzy entries are left out (the English shows).
    assert catalogue.gettext("Not yet") == "Not yet"
    assert catalogue.gettext("Guessed") == "Guessed"


def test_only_stale_catalogues_are_compiled_again(locale):
    po = _catalogue(locale, GOOD)
    assert catalogues_compile(only_stale=True) == [po.with_suffix(".mo")]
    assert catalogues_compile(only_stale=True) == []
    later = po.with_suffix(".mo").stat().st_mtime + 10
    os.utime(po, (later, later))  # the .po changed since
    assert catalogues_compile(only_stale=True) == [po.with_suffix(".mo")]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ('msgid "Hello"\nmsgstr "Bonjour\n', "Syntax error"),  # an unclosed string
        ('msgid "Hello"\nmsgstr "Bonjour"\n\nmsgid "Hello"\nmsgstr "Salut"\n', "already exists"),
        (
            '#, python-format\nmsgid "Hello %(name)s"\nmsgstr "Bonjour %(nom)s"\n',
            "placeholders",
        ),
        ('#, python-format\nmsgid "%(n)s left"\nmsgstr "%(n)d restant"\n', "placeholders"),
        (
            '#, python-format\nmsgid "%(a)s and %(n)s other"\nmsgid_plural "%(a)s and %(n)s '
            'others"\nmsgstr[0] "%(a)s et %(n)s autre"\nmsgstr[1] "%(a)s et %(x)s autres"\n',
            "msgstr[1]",
        ),
        (
            'msgid "a photo"\nmsgid_plural "photos"\nmsgstr[0] "une photo"\n',
            "1 plural forms, the header says 2",
        ),
    ],
)
def test_a_broken_catalogue_is_refused_and_nothing_is_written(locale, body, says):
    po = _catalogue(locale, body)
    with pytest.raises(CommandError) as refused:
        call_command("compile_catalogues", verbosity=0)
    assert says in str(refused.value) and str(po) in str(refused.value)
    assert not po.with_suffix(".mo").exists()
    assert [path.name for path in po.parent.iterdir()] == ["django.po"]  # no temporary left


def test_one_broken_catalogue_does_not_stop_the_others(locale):
    good = _catalogue(locale, GOOD, "de")
    _catalogue(locale, 'msgid "x"\nmsgstr "y\n', "es")
    with pytest.raises(CommandError):
        call_command("compile_catalogues", verbosity=0)
    assert good.with_suffix(".mo").exists()


@pytest.mark.slow
def test_the_command_fails_with_a_non_zero_exit(locale, tmp_path):
    import subprocess
    import sys

    _catalogue(locale, 'msgid "x"\nmsgstr "y\n')
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "intentional.settings.test",
        "PYTHONPATH": str(django_settings.BASE_DIR),
    }
    # The real catalogues compile; a copy of the project's settings pointing at a broken one
    # fails.
    ok = subprocess.run(
        [sys.executable, "manage.py", "compile_catalogues", "-v0"],
        cwd=django_settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ok.returncode == 0, ok.stderr
    settings_module = tmp_path / "broken_locale_settings.py"
    settings_module.write_text(
        f"from intentional.settings.test import *  # noqa\nLOCALE_PATHS = [{str(locale)!r}]\n"
    )
    refused = subprocess.run(
        [sys.executable, "manage.py", "compile_catalogues", "-v0"],
        cwd=django_settings.BASE_DIR,
        env={
            **environment,
            "DJANGO_SETTINGS_MODULE": "broken_locale_settings",
            "PYTHONPATH": f"{tmp_path}{os.pathsep}{django_settings.BASE_DIR}",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode != 0
    assert "Syntax error" in refused.stderr


def test_the_project_s_catalogues_are_compiled_for_the_tests():
    # conftest.py compiled any missing or outdated one before the session.
    paths = catalogue_paths()
    assert {path.parent.parent.name for path in paths} >= {"fr", "de", "es"}
    for path in paths:
        mo = path.with_suffix(".mo")
        assert mo.exists() and mo.stat().st_mtime >= path.stat().st_mtime, path


def test_the_project_s_catalogues_are_well_formed():
    # Complete or not (translators fill them), none would break a message.
    for path in catalogue_paths():
        po = polib.pofile(str(path))
        assert format_problems(po) == [], path
        assert po.metadata["Language"] == path.parent.parent.name


def test_the_completeness_check_names_every_gap():
    po = polib.pofile(
        HEADER.replace('msgid ""\nmsgstr ""', '#, fuzzy\nmsgid ""\nmsgstr ""')
        + GOOD
        + textwrap.dedent(
            """
            #, python-format
            msgid "a photo"
            msgid_plural "%(count)s photos"
            msgstr[0] "une photo"
            msgstr[1] ""
            """
        )
    )
    problems = completeness_problems(po)
    assert problems[0] == "header: marked fuzzy"
    assert any("'Not yet'" in problem and "not translated" in problem for problem in problems)
    assert any("'Guessed'" in problem and "fuzzy" in problem for problem in problems)
    assert any("'a photo'" in problem and "[1]" in problem for problem in problems)
    assert not any("Hello" in problem for problem in problems)
    assert len(problems) == 4
