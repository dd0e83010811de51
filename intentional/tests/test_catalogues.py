"""SPEC §12: the French, German and Spanish catalogues are complete. Fails while any entry of
locale/*/LC_MESSAGES/*.po has no translation (or a plural form without one, or fewer forms
than its Plural-Forms asks), is fuzzy (the header too), or has placeholders unlike its source:
after `makemessages` (README "Languages"), every new or changed string must be translated."""

from pathlib import Path

import polib
import pytest

from intentional.catalogues import catalogue_paths, completeness_problems, format_problems

LOCALE = Path(__file__).resolve().parents[2] / "locale"
CATALOGUES = catalogue_paths([LOCALE])


@pytest.mark.parametrize("language", ["fr", "de", "es"])
def test_each_language_has_its_catalogue(language):
    assert (LOCALE / language / "LC_MESSAGES" / "django.po").is_file()


@pytest.mark.parametrize(
    "path", CATALOGUES, ids=[str(path.relative_to(LOCALE)) for path in CATALOGUES]
)
def test_the_catalogue_is_complete_and_every_translation_fits_its_source(path):
    po = polib.pofile(str(path))
    problems = completeness_problems(po) + format_problems(po)
    assert problems == [], f"{path}: {len(problems)} problems:\n" + "\n".join(problems[:50])
