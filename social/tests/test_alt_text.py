"""Alt text of photos (SPEC §2, issue 17): written at upload (compose box, multipart API),
edited later (edit page, `PATCH /api/v1/posts/<id>/photos/<photo_id>/`), carried by every page,
the API, the digest email and the export; plain text everywhere (markup shown as text)."""

import io
import json
import re
import zipfile

import pytest
import time_machine
from django.core import mail
from django.test import Client
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from digest.services import SENT, digest_deliver
from digest.tests.helpers import at, make_circle
from digest.weeks import Week
from social import services
from social.exports import export_temporary_file
from social.models import Photo, Post
from social.tests.helpers import network, upload

pytestmark = pytest.mark.django_db

MARKUP_ALT = '<b>Grandma</b> & the "big" cake'
ESCAPED_ALT = "&lt;b&gt;Grandma&lt;/b&gt; &amp; the &quot;big&quot; cake"


@pytest.fixture
def net(settings):
    settings.RATELIMIT_ENABLE = False
    return network()


def _page(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def _post_with_photos(author, alts, **fields) -> Post:
    return services.post_create(
        author=author, body="Look", photos=[upload() for _ in alts], photo_alts=alts, **fields
    )


def _img_alts(html: str) -> list[str]:
    return re.findall(r'<img [^>]*\balt="([^"]*)"', html)


# --- upload ---------------------------------------------------------------------------------


def test_compose_box_has_one_alt_field_per_photo_and_stores_them(net):
    client = _page(net["author"])
    feed = client.get("/feed/").content.decode()
    for n in range(4):
        assert f'name="photo_alts_{n}"' in feed
    assert 'aria-label="Description of photo 1"' in feed
    response = client.post(
        "/posts/new/",
        {
            "body": "Birthday",
            "audience": "connections",
            "photos": [upload(), upload()],
            "photo_alts_0": MARKUP_ALT,
            "photo_alts_1": "  Candles, blown out  ",
        },
    )
    assert response.status_code == 302
    post = Post.objects.get()  # audience-ok: test
    assert [photo.alt for photo in post.photos.order_by("position")] == [
        MARKUP_ALT,
        "Candles, blown out",
    ]
    page = client.get(response["Location"]).content.decode()
    assert "no description yet" not in page.lower()  # nothing to remind of


def test_the_alt_fields_are_named_when_the_page_is_shown(net, monkeypatch):
    """Their labels are put in words for each page, in its language (SPEC §12): the compose
    form's fields are made once, at import, when no one's language is active."""
    monkeypatch.setattr("social.forms.gettext", lambda message: f"«{message}»")
    feed = _page(net["author"]).get("/feed/").content.decode()
    assert 'aria-label="«Description of photo 1»"' in feed
    assert 'aria-label="«Description of photo 4»"' in feed


def test_a_photo_without_alt_is_posted_with_a_gentle_reminder(net):
    client = _page(net["author"])
    response = client.post(
        "/posts/new/",
        {
            "body": "Birthday",
            "audience": "connections",
            "photos": [upload(), upload()],
            "photo_alts_0": "The cake",
        },
        follow=True,
    )
    assert response.status_code == 200  # posted, not refused
    post = Post.objects.get()  # audience-ok: test
    assert [photo.alt for photo in post.photos.order_by("position")] == ["The cake", ""]
    html = response.content.decode()
    assert "Photo 2 has no description yet." in html
    # On the post's page, the author sees which photo lacks one and where to add it.
    assert f'href="/posts/{post.pk}/edit/#photos">Add one' in html
    # Nobody else is reminded of anything.
    other = _page(net["untagged"]).get(f"/posts/{post.pk}/").content.decode()
    assert "No description yet" not in other


def test_compose_refuses_a_too_long_alt_next_to_the_field_and_stores_nothing(net):
    response = _page(net["author"]).post(
        "/posts/new/",
        {
            "body": "x",
            "audience": "connections",
            "photos": [upload()],
            "photo_alts_0": "a" * 1501,
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    field = html[html.index("field-photo_alts") :]
    assert "at most 1,500 characters" in field[: field.index("</details>")]
    assert 'field-photo_alts has-error" open>' in html  # unfolded, the error in view
    assert not Post.objects.exists()  # audience-ok: test


def test_api_multipart_takes_one_alt_per_photo_in_order(net):
    response = _api(net["author"]).post(
        "/api/v1/posts/",
        {"body": "two", "photos": [upload(), upload()], "photo_alts": [MARKUP_ALT, ""]},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    photos = response.json()["photos"]
    assert [photo["alt"] for photo in photos] == [MARKUP_ALT, ""]
    # Every photo object carries it: the feed and the post's own answer too.
    feed = _api(net["untagged"]).get("/api/v1/feed/").json()["results"]
    assert [photo["alt"] for photo in feed[0]["photos"]] == [MARKUP_ALT, ""]


@pytest.mark.parametrize(
    ("alts", "message"),
    [
        (["one", "two"], "at most one description per photo"),
        (["a" * 1501], "at most 1,500 characters"),
        (["bell \x07"], "control characters"),
    ],
)
def test_api_refuses_bad_alts_and_stores_nothing(net, alts, message):
    response = _api(net["author"]).post(
        "/api/v1/posts/",
        {"body": "x", "photos": [upload()], "photo_alts": alts},
        format="multipart",
    )
    assert response.status_code == 400
    assert message in response.json()["error"]["fields"]["photo_alts"][0]
    assert not Post.objects.exists()  # audience-ok: test


# --- editing ----------------------------------------------------------------------------------


def test_author_patches_an_alt_and_nobody_else_can(net):
    post = _post_with_photos(net["author"], ["", ""])
    first, second = post.photos.order_by("position")
    url = f"/api/v1/posts/{post.pk}/photos/{second.pk}/"

    response = _api(net["author"]).patch(url, {"alt": MARKUP_ALT}, format="json")
    assert response.status_code == 200
    assert response.json()["alt"] == MARKUP_ALT and response.json()["id"] == second.pk
    assert set(response.json()) == {"id", "url", "thumbnail_url", "width", "height", "alt"}
    post.refresh_from_db()
    assert post.edited_at is None  # describing a photo is not editing the post

    # Someone who can see the post, someone who cannot, and a photo of another post: 404.
    for person in ("untagged", "stranger"):
        answer = _api(net[person]).patch(url, {"alt": "hijacked"}, format="json")
        assert answer.status_code == 404
    other = _post_with_photos(net["author"], ["x"])
    wrong_post = f"/api/v1/posts/{other.pk}/photos/{second.pk}/"
    assert _api(net["author"]).patch(wrong_post, {"alt": "no"}, format="json").status_code == 404
    assert [p.alt for p in Photo.objects.filter(post=post).order_by("position")] == [
        "",
        MARKUP_ALT,
    ]  # audience-ok: test

    too_long = _api(net["author"]).patch(url, {"alt": "a" * 1501}, format="json")
    assert too_long.status_code == 400
    assert "1,500" in too_long.json()["error"]["fields"]["alt"][0]
    # Empty is allowed: no description.
    assert _api(net["author"]).patch(url, {"alt": ""}, format="json").json()["alt"] == ""
    assert first.pk != second.pk


def test_edit_page_has_an_alt_field_per_photo_and_saves_them(net):
    post = _post_with_photos(net["author"], ["Old words", ""])
    first, second = post.photos.order_by("position")
    client = _page(net["author"])
    html = client.get(f"/posts/{post.pk}/edit/").content.decode()
    assert f'name="photo-alt_{first.pk}"' in html and f'name="photo-alt_{second.pk}"' in html
    assert "Old words</textarea>" in html
    assert "No description yet" in html  # next to the second photo's field
    response = client.post(
        f"/posts/{post.pk}/edit/",
        {
            "body": "Look",
            "audience": "connections",
            f"photo-alt_{first.pk}": "New words",
            f"photo-alt_{second.pk}": MARKUP_ALT,
        },
    )
    assert response.status_code == 302
    assert [photo.alt for photo in post.photos.order_by("position")] == ["New words", MARKUP_ALT]
    # A too-long one is refused next to its field; nothing changes.
    response = client.post(
        f"/posts/{post.pk}/edit/",
        {"body": "Look", "audience": "connections", f"photo-alt_{first.pk}": "a" * 1501},
    )
    assert response.status_code == 400
    assert "at most 1,500 characters" in response.content.decode()
    assert post.photos.order_by("position")[0].alt == "New words"


# --- shown everywhere, as text ------------------------------------------------------------------


def test_pages_carry_the_alt_escaped_and_fall_back_when_empty(net):
    post = _post_with_photos(net["author"], [MARKUP_ALT, ""])
    viewer = _page(net["untagged"])
    for url in ("/feed/", f"/posts/{post.pk}/", f"/people/{net['author'].username}/"):
        html = viewer.get(url).content.decode()
        assert _img_alts(html)[-2:] == [
            ESCAPED_ALT,
            f"Photo 2 of 2 shared by {net['author'].name}",
        ], url
        assert "<b>Grandma" not in html


def test_digest_page_and_email_carry_the_alt(settings):
    settings.SITE_URL = "https://intentional.example"
    circle = make_circle()
    with time_machine.travel(at("2026-02-03 10:00", "UTC")):
        post = _post_with_photos(circle.alice, [MARKUP_ALT, ""], is_milestone=True)
    with time_machine.travel("2026-02-11 12:00:00+00:00", tick=False):
        page = _page(circle.me).get("/digest/2026-W06/").content.decode()
        assert ESCAPED_ALT in _img_alts(page)
        assert "Photo 2 of 2 shared by Alice" in _img_alts(page)
    with time_machine.travel("2026-02-09 09:00:00+00:00", tick=False):
        assert digest_deliver(user_id=circle.me.pk, week=Week(2026, 6)) == SENT
    [message] = mail.outbox
    [(html, _mimetype)] = message.alternatives
    # Every img of the email has a non-empty alt: the author's, else a descriptive one.
    alts = _img_alts(html)
    assert alts == [ESCAPED_ALT, "Photo shared by Alice"]
    assert len(alts) == html.count("<img ")
    assert "<b>Grandma" not in html
    assert f"[Photo 1: {MARKUP_ALT}]" in message.body  # the text part, as typed
    assert post.pk


def test_export_carries_the_alt(net):
    _post_with_photos(net["author"], [MARKUP_ALT])
    with zipfile.ZipFile(export_temporary_file(user=net["author"])) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".json"))
        data = json.load(io.TextIOWrapper(archive.open(name), encoding="utf-8"))
    assert [photo["alt"] for photo in data["posts"][0]["photos"]] == [MARKUP_ALT]
