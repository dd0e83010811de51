"""The digest in its reader's language (SPEC §12): the email, its subject and its built-in
summary are written in the recipient's `language`, whoever runs the task; a stored summary in
another language is not shown; dates follow the language.

Our catalogues are filled by the translators (digest/tests/test_digest_language.py checks the
French words then); these tests check the language each part is made in."""

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import translation

from digest import selectors
from digest.models import Digest
from digest.selectors import digest_stored_page
from digest.services import SENT, digest_build, digest_deliver
from digest.summary import llm_messages, summary_basis, summary_builtin
from digest.tests.helpers import at, make_circle, post_at
from digest.weeks import Week

pytestmark = pytest.mark.django_db

W6 = Week(2026, 6)
NOW = "2026-02-09 09:00:00+00:00"  # Monday, after 08:00 UTC


def _circle(language: str):
    circle = make_circle()
    circle.me.language = language
    circle.me.save(update_fields=["language"])
    post_at(circle.alice, at("2026-02-03 10:00", "UTC"), 8.0, body="We got married!",
            is_milestone=True)  # fmt: skip
    post_at(circle.bob, at("2026-02-04 10:00", "UTC"), 3.0, body="New bike.")
    return circle


@pytest.mark.parametrize(("language", "written_in"), [("fr", "fr"), ("es", "es"), ("", "en")])
def test_the_digest_email_and_its_summary_are_made_in_the_recipient_s_language(
    monkeypatch, language, written_in
):
    circle = _circle(language)
    made_in = []
    builtin = selectors.summary_builtin

    def spying(posts):
        made_in.append(translation.get_language())
        return builtin(posts)

    monkeypatch.setattr("digest.summary.summary_builtin", spying)
    with time_machine.travel(NOW, tick=False), translation.override("de"):  # the task's own
        assert digest_deliver(user_id=circle.me.pk, week=W6) == SENT
    (message,) = mail.outbox
    assert message.extra_headers["Content-Language"] == written_in
    assert made_in == [written_in]  # the stored summary, written once
    digest = Digest.objects.get()
    posts = digest_stored_page(digest=digest, viewer=circle.me).posts
    assert digest.summary_basis == summary_basis(posts, language=written_in)
    with translation.override(written_in):
        assert digest.summary == summary_builtin(posts)
        assert W6.label() in message.subject


@time_machine.travel(NOW, tick=False)
def test_a_stored_summary_in_another_language_is_not_shown():
    circle = _circle("fr")
    digest = digest_build(user=circle.me, week=W6)
    Digest.objects.filter(pk=digest.pk).update(summary="Alice s'est mariée.", summary_source="llm")
    digest.refresh_from_db()
    with translation.override("fr"):
        page = digest_stored_page(digest=digest, viewer=circle.me)
    assert (page.summary, page.summary_source) == ("Alice s'est mariée.", "llm")
    with translation.override("de"):
        page = digest_stored_page(digest=digest, viewer=circle.me)
    assert page.summary_source == "builtin"


@time_machine.travel(NOW, tick=False)
def test_the_digest_page_is_in_the_reader_s_language():
    circle = _circle("es")
    client = Client()
    client.force_login(circle.me)
    response = client.get("/digest/2026-W06/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    assert response["Content-Language"] == "es"
    with translation.override("es"):
        label = W6.label()
    assert label in response.content.decode()


def test_the_default_language_keeps_the_fingerprint_summaries_had_before():
    # Digests stored before there were languages stay valid in English.
    import hashlib
    import json

    posts = [type("P", (), {"pk": 1, "is_milestone": False, "body": "Hi"})()]
    before = hashlib.sha256(json.dumps([[1, False, "Hi"]]).encode()).hexdigest()
    assert summary_basis(posts, language="en") == before
    assert summary_basis(posts, language="fr") != before


# The month as the language writes it (French and Spanish: lower case, "déc." / "dic").
@pytest.mark.parametrize(("language", "month"), [("fr", "déc"), ("de", "Dez"), ("es", "dic")])
def test_week_labels_follow_the_language_s_month_names(language, month):
    december = Week(2026, 50)
    assert december.label() == "7 – 13 Dec 2026"
    # Django's own catalogues name the months; ours may reorder the formats (translators).
    with translation.override(language):
        label = december.label()
    assert month in label and "Dec" not in label and "2026" in label


def test_the_language_model_is_asked_to_write_in_the_reader_s_language():
    posts = [type("P", (), {"author": type("A", (), {"name": "Ana"})(), "body": "Hola",
                            "is_milestone": False})()]  # fmt: skip
    with translation.override("es"):
        [instruction, _posts] = llm_messages(posts)
    assert "in Spanish" in instruction["content"]
    assert "in English" in llm_messages(posts)[0]["content"]
