"""Every email is written in its recipient's language (SPEC §12), subject included, whoever's
request or task sends it: notification emails, the export-ready email, allauth's emails.

Each email is checked by the language in force while it was made: the Content-Language it
carries, or the language active inside a patched send. A person with no language chosen gets
LANGUAGE_CODE (a background task has no browser to ask)."""

import pytest
from django.core import mail
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from connections.tests.factories import connect
from social import exports, services
from social.models import DataExport, NotificationKind
from social.tests.factories import PostFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    def run(action):
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    return run


@pytest.mark.parametrize(("recipient_language", "written_in"), [("fr", "fr"), ("", "en")])
def test_a_connection_request_email_is_in_the_recipient_s_language(
    committed, settings, recipient_language, written_in
):
    settings.NOTIFICATION_EMAIL_BATCH_SECONDS = 0
    ana = UserFactory(display_name="Ana", language="de")
    bo = UserFactory(language=recipient_language)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(ana).access_token}")
    # Ana's request (in German) sends Bo's email at once (eager Celery, after the commit).
    response = committed(
        lambda: client.post(
            "/api/v1/connections/requests/", {"username": bo.username}, format="json"
        )
    )
    assert response.status_code in (200, 201), response.content
    assert response["Content-Language"] == "de"
    (message,) = mail.outbox
    assert message.to == [bo.email]
    assert message.extra_headers["Content-Language"] == written_in


def test_the_notification_summaries_and_subject_are_made_in_the_recipient_s_language(
    committed, monkeypatch
):
    author = UserFactory(display_name="Pat", language="es")
    services.notification_choices_update(
        user=author, choices={NotificationKind.COMMENT_ON_YOUR_POST: "instant"}
    )
    friend = UserFactory(display_name="Friend", language="de")
    connect(author, friend)
    monkeypatch.setattr(services, "_queue_notification_email", lambda recipient_id: None)
    post = PostFactory(author=author)
    committed(lambda: services.comment_create(author=friend, post_id=post.pk, body="Hola"))

    from social import selectors

    seen = []
    items_for = selectors.notification_email_items

    def spying(**kwargs):
        seen.append(translation.get_language())
        return items_for(**kwargs)

    monkeypatch.setattr(selectors, "notification_email_items", spying)
    with translation.override("fr"):  # whatever the sender's language
        assert services.notification_email_deliver(recipient_id=author.pk) == "sent"
    assert seen == ["es"]
    (message,) = mail.outbox
    assert message.extra_headers["Content-Language"] == "es"
    with translation.override("es"):
        sentence = "%(names)s commented on your post"
        expected = translation.ngettext(sentence, sentence, 1) % {"names": "Friend"}
    assert message.subject == expected


def test_the_export_ready_email_is_in_the_recipient_s_language(
    settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.EXPORT_SYNC_MAX_PHOTOS = -1  # any account is built in the background
    me = UserFactory(language="de")
    sent = []

    def send_mail(subject, body, sender, recipients):
        sent.append((translation.get_language(), recipients))

    monkeypatch.setattr(exports, "send_mail", send_mail)
    with translation.override("fr"), django_capture_on_commit_callbacks(execute=True):
        export = exports.export_request(user=me)
    assert DataExport.objects.get(pk=export.pk).status == DataExport.Status.READY
    assert sent == [("de", [me.email])]


def test_a_password_reset_email_is_in_the_account_s_language():
    person = UserFactory(language="es")
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    response = client.post("/accounts/password/reset/", {"email": person.email.upper()})
    assert response.status_code == 302
    (message,) = mail.outbox
    assert [address.lower() for address in message.to] == [person.email]
    assert message.extra_headers["Content-Language"] == "es"


def test_an_email_to_an_address_nobody_has_is_in_the_page_s_language():
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.com"})
    assert response.status_code == 302
    (message,) = mail.outbox  # allauth tells the address that it has no account
    assert message.to == ["nobody@example.com"]
    assert message.extra_headers["Content-Language"] == "fr"


def test_a_newcomer_s_confirmation_email_is_in_their_sign_up_language():
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    response = client.post(
        "/accounts/signup/",
        {
            "email": "jo@example.com",
            "username": "jo_k",
            "password1": "a quiet harbour 42",
            "password2": "a quiet harbour 42",
        },
    )
    assert response.status_code == 302
    (message,) = [message for message in mail.outbox if "jo@example.com" in message.to]
    assert message.extra_headers["Content-Language"] == "de"
