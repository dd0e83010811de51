"""Every surface reads through visible_to (SPEC §3): a post the viewer may not see is absent
from each list and 404s on each URL; permission changes apply on the very next request."""

import pytest
from django.test import Client
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from connections.models import Connection, TagMembership
from connections.tests.factories import BlockFactory
from social import selectors, services
from social.tests.factories import CommentFactory
from social.tests.helpers import network, upload


def api_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def page_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def scene(db, settings):
    settings.RATELIMIT_ENABLE = False
    net = network()
    author = net["author"]
    hidden = services.post_create(
        author=author,
        body="HIDDEN-FROM-UNTAGGED",
        audience="tags",
        audience_tags=[net["family"]],
        photos=[upload()],
    )
    shown = services.post_create(author=author, body="SHOWN-TO-ALL", photos=[upload()])
    CommentFactory(post=hidden, author=author, body="HIDDEN-COMMENT")
    CommentFactory(post=shown, author=author, body="SHOWN-COMMENT")
    return {**net, "hidden": hidden, "shown": shown}


def test_a_hidden_post_is_absent_or_404_on_every_surface(scene):
    viewer, hidden, shown = scene["untagged"], scene["hidden"], scene["shown"]
    api, page = api_for(viewer), page_for(viewer)

    feed_page = page.get("/feed/").content.decode()
    assert "SHOWN-TO-ALL" in feed_page and "HIDDEN-FROM-UNTAGGED" not in feed_page

    timeline = selectors.profile_posts_for(viewer=viewer, author=scene["author"])
    assert [post.pk for post in timeline.items] == [shown.pk]

    api_feed = [post["id"] for post in api.get("/api/v1/feed/").json()["results"]]
    assert api_feed == [shown.pk]
    api_list = api.get("/api/v1/posts/?author=author").json()["results"]
    assert [post["id"] for post in api_list] == [shown.pk]

    assert api.get(f"/api/v1/posts/{hidden.pk}/comments/").status_code == 404
    shown_comments = api.get(f"/api/v1/posts/{shown.pk}/comments/").json()["results"]
    assert [comment["body"] for comment in shown_comments] == ["SHOWN-COMMENT"]

    assert page.get(f"/posts/{hidden.pk}/").status_code == 404
    assert page.get(f"/posts/{shown.pk}/").status_code == 200
    assert api.get(f"/api/v1/posts/{hidden.pk}/").status_code == 404
    for photo in hidden.photos.all():
        for variant in ("display", "thumb"):
            assert page.get(f"/photos/{photo.pk}/{variant}/").status_code == 404
            assert api.get(f"/photos/{photo.pk}/{variant}/").status_code == 404
    for photo in shown.photos.all():
        for variant in ("display", "thumb"):
            assert page.get(f"/photos/{photo.pk}/{variant}/").status_code == 200
    # Anonymous visitors see no photo at all, and unknown variants do not exist.
    photo = shown.photos.get()
    assert Client().get(f"/photos/{photo.pk}/display/").status_code == 404
    assert page.get(f"/photos/{photo.pk}/original/").status_code == 404


def _sees(user, post) -> bool:
    """Whether `user` sees `post` on the next request: page, API detail and API feed agree."""
    page = page_for(user).get(f"/posts/{post.pk}/").status_code
    detail = api_for(user).get(f"/api/v1/posts/{post.pk}/").status_code
    feed = [item["id"] for item in api_for(user).get("/api/v1/feed/").json()["results"]]
    assert (page == 200) == (detail == 200) == (post.pk in feed)
    return detail == 200


def test_removing_the_connection_hides_at_once(scene):
    tagged, post = scene["tagged"], scene["hidden"]
    assert _sees(tagged, post)
    Connection.objects.between(tagged, scene["author"]).delete()
    assert not _sees(tagged, post)


@pytest.mark.parametrize("direction", ["author_blocks", "viewer_blocks"])
def test_blocking_hides_at_once(scene, direction):
    tagged, author, post = scene["tagged"], scene["author"], scene["shown"]
    assert _sees(tagged, post)
    if direction == "author_blocks":
        BlockFactory(blocker=author, blocked=tagged)
    else:
        BlockFactory(blocker=tagged, blocked=author)
    assert not _sees(tagged, post)


def test_unlabelling_hides_at_once(scene):
    tagged, post = scene["tagged"], scene["hidden"]
    assert _sees(tagged, post)
    TagMembership.objects.filter(tag=scene["family"], target=tagged).delete()
    assert not _sees(tagged, post)
    assert _sees(scene["author"], post)


def test_deleting_the_tag_hides_at_once(scene):
    tagged, post = scene["tagged"], scene["hidden"]
    assert _sees(tagged, post)
    scene["family"].delete()
    assert not _sees(tagged, post)


def test_narrowing_hides_and_widening_shows(scene):
    author, tagged, untagged, post = (
        scene["author"],
        scene["tagged"],
        scene["untagged"],
        scene["shown"],
    )
    assert _sees(untagged, post) and _sees(tagged, post)
    services.post_update(
        user=author, post_id=post.pk, audience="tags", audience_tags=[scene["family"]]
    )
    assert not _sees(untagged, post) and _sees(tagged, post)
    services.post_update(user=author, post_id=post.pk, audience="private")
    assert not _sees(tagged, post)
    services.post_update(user=author, post_id=post.pk, audience="connections")
    assert _sees(untagged, post) and _sees(tagged, post)
