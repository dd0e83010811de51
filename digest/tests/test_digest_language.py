"""SPEC §12 with the translations in: a French person's digest email — subject, body, dates
and the built-in summary — is in French, whatever language the task runs in. Each expected
text is read from the catalogues (and must differ from the English one)."""

from pathlib import Path

import polib
import pytest
import time_machine
from django.core import mail
from django.utils import translation

from digest.models import Digest
from digest.selectors import digest_stored_page
from digest.services import SENT, digest_deliver
from digest.summary import summary_builtin
from digest.tests.helpers import at, make_circle, post_at
from digest.weeks import Week

pytestmark = pytest.mark.django_db

W6 = Week(2026, 6)
NOW = "2026-02-09 09:00:00+00:00"  # Monday, after 08:00 UTC
FRENCH = Path(__file__).resolve().parents[2] / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def _template_sentences(template: str) -> list[tuple[str, str]]:
    """(English, French) of the catalogue's whole sentences from `template`: no placeholder,
    three words or more, translated differently."""
    return [
        (entry.msgid, entry.msgstr)
        for entry in polib.pofile(str(FRENCH))
        if any(path == template for path, _line in entry.occurrences)
        and not entry.msgid_plural
        and "%" not in entry.msgid
        and len(entry.msgid.split()) >= 3
        and entry.msgstr
        and entry.msgstr != entry.msgid
    ]


@pytest.fixture
def sent():
    circle = make_circle()
    circle.me.language = "fr"
    circle.me.save(update_fields=["language"])
    post_at(circle.alice, at("2026-02-03 10:00", "UTC"), 8.0, body="Nous nous sommes mariés !",
            is_milestone=True)  # fmt: skip
    post_at(circle.bob, at("2026-02-04 10:00", "UTC"), 3.0, body="Nouveau vélo.")
    post_at(circle.bob, at("2026-02-05 10:00", "UTC"), 3.0, body="")  # a photo-only post
    with time_machine.travel(NOW, tick=False), translation.override("de"):
        assert digest_deliver(user_id=circle.me.pk, week=W6) == SENT
    (message,) = mail.outbox
    return circle, message


def test_the_subject_is_in_french(sent):
    _circle, message = sent
    template = "Your week with Intentional: %(dates)s (%(week)s)"
    with translation.override("fr"):
        french = translation.gettext(template)
        label = W6.label()
    assert french != template
    assert message.subject == french % {"dates": label, "week": W6}
    assert message.extra_headers["Content-Language"] == "fr"


def test_the_built_in_summary_is_in_french(sent):
    circle, message = sent
    digest = Digest.objects.get()
    posts = digest_stored_page(digest=digest, viewer=circle.me).posts
    with translation.override("fr"):
        french = summary_builtin(posts)
    english = summary_builtin(posts)
    assert french != english
    assert digest.summary == french
    for english_part in ("Big news from", "shared", "moments with you"):
        assert english_part in english and english_part not in french
    assert french in message.body


def test_the_body_is_in_french(sent):
    _circle, message = sent
    sentences = _template_sentences("templates/digest/email/digest.txt")
    assert sentences, "the digest email's text template has no translated sentence"
    body = message.body
    assert [english for english, _french in sentences if english in body] == []
    assert any(french in body for _english, french in sentences)
    # Dates with French day and month names (Django's own catalogue).
    assert "février" in body
