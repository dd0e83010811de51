"""The digest email and the one-click unsubscribe link."""

import pytest
import time_machine
from django.core import mail, signing

from digest.services import SENT, digest_deliver
from digest.tests.helpers import at, make_circle, post_at
from digest.tokens import unsubscribe_token, unsubscribe_url, unsubscribe_user
from digest.weeks import Week
from social.models import Photo, User

pytestmark = pytest.mark.django_db

W6 = Week(2026, 6)
NOW = "2026-02-09 09:00:00+00:00"  # Monday, after 08:00 UTC


def _send_one(circle):
    with time_machine.travel(NOW, tick=False):
        assert digest_deliver(user_id=circle.me.pk, week=W6) == SENT
    [message] = mail.outbox
    return message


def test_email_has_text_and_html_parts_headers_and_escaped_text(settings):
    settings.SITE_URL = "https://intentional.example"
    circle = make_circle()
    milestone = post_at(circle.alice, at("2026-02-03 10:00", "UTC"), 8.0, is_milestone=True,
                        body="<script>alert(1)</script> We got married & moved!")  # fmt: skip
    photo = Photo.objects.create(
        post=milestone,
        position=0,
        display_key="d.jpg",
        thumbnail_key="t.jpg",
        width=800,
        height=600,
        thumbnail_width=400,
        thumbnail_height=300,
    )
    post_at(circle.me, at("2026-02-03 11:00", "UTC"), 9.0, body="My own secret.")
    post_at(circle.carol, at("2026-02-03 11:00", "UTC"), 9.0, body="A stranger's secret.")
    message = _send_one(circle)

    assert message.to == [circle.me.email]
    assert "2 – 8 Feb 2026" in message.subject and "2026-W06" in message.subject
    header = message.extra_headers["List-Unsubscribe"]
    assert header.startswith("<https://intentional.example/digest/unsubscribe/")
    url = header.strip("<>")
    assert unsubscribe_user(url.rstrip("/").rsplit("/", 1)[1]) == circle.me
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    text = message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    # The text part is plain text: the body as typed.
    assert "<script>alert(1)</script> We got married & moved!" in text
    assert url in text
    # The HTML part escapes it, and styles inline (no <style> blocks, no scripts).
    assert "&lt;script&gt;alert(1)&lt;/script&gt; We got married &amp; moved!" in html
    assert "<script>" not in html and "<style" not in html
    assert 'style="' in html
    assert "Life event" in html and "LIFE EVENT" in text
    assert f'href="{url}"' in html
    # Thumbnails and links are absolute; a thumbnail link is signed for the recipient.
    assert f'src="https://intentional.example/photos/{photo.pk}/thumb/?t=' in html
    assert 'src="/' not in html and 'href="/' not in html
    # Only what the recipient may see.
    for secret in ("My own secret", "stranger"):
        assert secret not in text and secret not in html and secret not in message.subject


def test_unsubscribe_link_works_without_a_session(client):
    circle = make_circle()
    path = unsubscribe_url(circle.me).removeprefix("http://127.0.0.1:8000")
    page = client.get(path)
    assert page.status_code == 200
    assert "Stop the weekly digest email?" in page.content.decode()
    # GET changes nothing (link scanners follow links).
    assert User.objects.get(pk=circle.me.pk).digest_email_enabled
    # RFC 8058: a mail client POSTs "List-Unsubscribe=One-Click", no cookie, no CSRF token.
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "You're unsubscribed" in response.content.decode()
    assert not User.objects.get(pk=circle.me.pk).digest_email_enabled
    # Again: still fine, still off.
    assert strict.post(path).status_code == 200


@pytest.mark.parametrize(
    "mangle",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token: "x" + token,
        lambda token: signing.dumps({"u": 1, "e": "me@example.com"}, salt="another-salt"),
        lambda token: "nonsense",
    ],
)
def test_a_tampered_token_is_refused(client, mangle):
    circle = make_circle()
    token = mangle(unsubscribe_token(circle.me))
    for response in (
        client.get(f"/digest/unsubscribe/{token}/"),
        client.post(f"/digest/unsubscribe/{token}/"),
    ):
        assert response.status_code == 400
        assert "This link doesn't work" in response.content.decode()
    assert User.objects.get(pk=circle.me.pk).digest_email_enabled


def test_a_token_for_an_old_email_address_is_refused(client):
    circle = make_circle()
    token = unsubscribe_token(circle.me)
    circle.me.email = "new@example.com"
    circle.me.save(update_fields=["email"])
    assert client.post(f"/digest/unsubscribe/{token}/").status_code == 400
    assert User.objects.get(pk=circle.me.pk).digest_email_enabled


def test_email_thumbnails_are_presigned_in_s3_mode(settings):
    """With photos in a bucket, the email links the thumbnail's presigned URL (not the
    display version, not the local checked view)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "digest-test-photos",
                "endpoint_url": "http://127.0.0.1:9",
                "access_key": "testing",
                "secret_key": "testing",
                "region_name": "us-east-1",
                "querystring_auth": True,
                "querystring_expire": 3600,
                "signature_version": "s3v4",
            },
        },
    }
    circle = make_circle()
    post = post_at(circle.alice, at("2026-02-03 10:00", "UTC"), 3.0, body="Snow!")
    Photo.objects.create(
        post=post,
        position=0,
        display_key="photos/display-key.jpg",
        thumbnail_key="photos/thumb-key.jpg",
        width=800,
        height=600,
        thumbnail_width=400,
        thumbnail_height=300,
    )
    message = _send_one(circle)
    [(html, _)] = message.alternatives
    assert 'src="http://127.0.0.1:9/digest-test-photos/photos/thumb-key.jpg?' in html
    assert "X-Amz-Signature=" in html
    assert "display-key" not in html and "/thumb/" not in html


def test_email_thumbnail_opens_for_the_recipient_without_a_session(client, settings):
    """The signed thumbnail link works with no session, as the recipient only: it still applies
    the audience rule for them, and a tampered or swapped token is refused."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from connections.models import Connection

    settings.SITE_URL = "https://intentional.example"
    circle = make_circle()
    post = post_at(circle.alice, at("2026-02-03 10:00", "UTC"), 8.0, is_milestone=True)
    key = default_storage.save("photos/t.jpg", ContentFile(b"\xff\xd8\xff thumbnail bytes"))
    photo = Photo.objects.create(
        post=post, position=0, display_key=key, thumbnail_key=key, width=8, height=6,
        thumbnail_width=4, thumbnail_height=3,
    )  # fmt: skip
    message = _send_one(circle)
    [(html, _mimetype)] = message.alternatives
    start = html.index(f"https://intentional.example/photos/{photo.pk}/thumb/?t=")
    link = html[start : html.index('"', start)].replace("&amp;", "&")
    path = link.removeprefix("https://intentional.example")

    with time_machine.travel(NOW, tick=False):  # the link was signed then
        response = client.get(path)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == b"\xff\xd8\xff thumbnail bytes"
        assert client.get(path + "x").status_code == 404  # tampered
        other_photo = path.replace(f"/photos/{photo.pk}/", f"/photos/{photo.pk + 1}/")
        assert client.get(other_photo).status_code == 404  # a token for another photo
        # The recipient loses access: the very next request through the link is a 404.
        Connection.objects.accepted_between(circle.me, circle.alice).delete()
        assert client.get(path).status_code == 404
