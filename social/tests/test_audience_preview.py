"""Audience preview (SPEC §10): who would see a post, from the audience rule itself; with an
existing post also who would start and stop seeing it; nothing is ever saved."""

import random

import pytest

from connections.models import Connection, TagMembership
from connections.tests.factories import BlockFactory, TagFactory, TagMembershipFactory, connect
from social import selectors, services
from social.models import Post, PostAudienceTag, User
from social.tests.factories import PostFactory, UserFactory
from social.tests.test_api_posts import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def circle(settings):
    """An author with six connections (one of them also blocked), three tags labelling them at
    random, a pending request and a stranger."""
    settings.RATELIMIT_ENABLE = False
    rng = random.Random(15)
    author = UserFactory(username="author")
    friends = [UserFactory(username=f"friend{n}", display_name=f"Friend {n}") for n in range(6)]
    for friend in friends:
        connect(author, friend)
    BlockFactory(blocker=friends[5], blocked=author)
    connect(author, UserFactory(), status=Connection.Status.PENDING)
    UserFactory(username="stranger")
    tags = [TagFactory(owner=author, name=f"tag{n}") for n in range(3)]
    for tag in tags:
        for friend in rng.sample(friends, 3):
            TagMembershipFactory(tag=tag, target=friend)
    return {"author": author, "friends": friends, "tags": tags, "rng": rng}


def _who_sees(post: Post) -> set[str]:
    """Everyone but the author for whom visible_to returns the post (the test's reference)."""
    return {
        user.username
        for user in User.objects.exclude(pk=post.author_id)
        if Post.objects.visible_to(user).filter(pk=post.pk).exists()
    }


def _audiences(circle):
    rng, tags = circle["rng"], circle["tags"]
    yield "connections", []
    yield "private", []
    yield "tags", []
    for _ in range(6):
        yield "tags", [tag.pk for tag in rng.sample(tags, rng.randint(1, 3))]


def test_the_preview_is_who_visible_to_lets_see_the_post_once_posted(circle):
    author = circle["author"]
    for audience, tag_ids in _audiences(circle):
        rows = (Post.objects.count(), PostAudienceTag.objects.count())  # audience-ok: test
        preview = selectors.audience_preview(
            author=author, audience=audience, audience_tags=tag_ids
        )
        assert (Post.objects.count(), PostAudienceTag.objects.count()) == rows  # audience-ok
        assert preview.gains is None and preview.loses is None
        if audience == "tags" and not tag_ids:
            assert preview.people == []  # a tag post without tags reaches nobody
            continue
        post = services.post_create(
            author=author, body="x", audience=audience, audience_tags=tag_ids
        )
        assert {person.username for person in preview.people} == _who_sees(post)


def test_gains_and_loses_are_the_difference_once_the_edit_is_saved(circle):
    author, tags = circle["author"], circle["tags"]
    post = services.post_create(
        author=author, body="x", audience="tags", audience_tags=[tags[0].pk]
    )
    for audience, tag_ids in _audiences(circle):
        if audience == "tags" and not tag_ids:
            continue
        before = _who_sees(post)
        preview = selectors.audience_preview(
            author=author, audience=audience, audience_tags=tag_ids, post_id=post.pk
        )
        post.refresh_from_db()
        assert _who_sees(post) == before  # nothing changed yet
        services.post_update(user=author, post_id=post.pk, audience=audience, audience_tags=tag_ids)
        after = _who_sees(post)
        assert {person.username for person in preview.people} == after
        assert {person.username for person in preview.gains} == after - before
        assert {person.username for person in preview.loses} == before - after


def test_api_preview_shapes_and_refusals(circle):
    author, tags, friends = circle["author"], circle["tags"], circle["friends"]
    client = client_for(author)
    post = PostFactory(author=author, audience="private")
    url = "/api/v1/audience/preview/"
    answer = client.post(url, {"audience": "connections"}, format="json")
    assert answer.status_code == 200
    # friend5 blocked the author: connected, but sees nothing.
    assert answer.json()["count"] == 5
    assert {"username": "friend0", "display_name": "Friend 0"} in answer.json()["people"]
    assert set(answer.json()) == {"count", "people"}
    answer = client.post(url, {"audience": "connections", "post": post.pk}, format="json").json()
    assert {person["username"] for person in answer["gains"]} == {
        friend.username for friend in friends[:5]
    }
    assert answer["loses"] == []
    others = PostFactory(author=friends[0])
    response = client.post(url, {"audience": "connections", "post": others.pk}, format="json")
    assert response.status_code == 404
    response = client.post(url, {"audience": "connections", "post": 987654}, format="json")
    assert response.status_code == 404
    response = client.post(url, {"audience": "everyone"}, format="json")
    assert response.status_code == 400
    foreign = TagFactory(owner=friends[0])
    response = client.post(url, {"audience": "tags", "audience_tags": [foreign.pk]}, format="json")
    assert response.status_code == 400
    assert "audience_tags" in response.json()["error"]["fields"]
    # Tags only count for a tags audience.
    response = client.post(
        url, {"audience": "private", "audience_tags": [tags[0].pk]}, format="json"
    ).json()
    assert response["count"] == 0
    assert Post.objects.filter(author=author).count() == 1  # audience-ok: nothing saved


def test_the_preview_button_works_without_javascript_and_saves_nothing(circle, client):
    author, tags = circle["author"], circle["tags"]
    client.force_login(author)
    members = set(
        TagMembership.objects.filter(tag=tags[0]).values_list("target__display_name", flat=True)
    )
    response = client.post(
        "/posts/new/",
        {"body": "hello", "audience": "tags", "audience_tags": [tags[0].pk], "preview": "1"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    expected = sorted(name for name in members if name != "Friend 5")
    assert f"Visible to {len(expected)} people: {', '.join(expected)}" in body
    assert not Post.objects.filter(author=author).exists()  # audience-ok: nothing saved

    post = PostFactory(author=author, audience="private")
    response = client.post(
        f"/posts/{post.pk}/edit/", {"body": "x", "audience": "connections", "preview": "1"}
    )
    assert response.status_code == 200
    assert "Would start seeing it: Friend 0, Friend 1" in response.content.decode()
    post.refresh_from_db()
    assert post.audience == "private" and post.body != "x"


def test_compose_and_edit_forms_carry_the_preview_for_the_script(circle, client):
    author = circle["author"]
    client.force_login(author)
    post = PostFactory(author=author)
    assert (
        'data-audience-preview="/api/v1/audience/preview/"' in client.get("/feed/").content.decode()
    )
    edit = client.get(f"/posts/{post.pk}/edit/").content.decode()
    assert f'data-post="{post.pk}"' in edit
    assert "js/audience-preview.js" in edit
