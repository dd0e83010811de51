"""Labelling someone with or without the tag's earlier posts (SPEC §2, §3, §10): the rule's
"membership covers the post" on every read, the API's preview and flag, and the tags page."""

import contextlib
from datetime import timedelta

import pytest
from django.utils import timezone

from connections.models import TagMembership
from connections.tests.factories import TagFactory, connect
from digest.selectors import digest_select
from digest.weeks import week_of
from social import selectors
from social.models import Post
from social.tests.factories import PostFactory, UserFactory
from social.tests.test_api_posts import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def tagged_world(settings):
    settings.RATELIMIT_ENABLE = False
    owner, friend = UserFactory(username="owner"), UserFactory(username="friend")
    connect(owner, friend)
    family = TagFactory(owner=owner, name="family")
    earlier = PostFactory(
        author=owner,
        body="before the label",
        audience="tags",
        audience_tags=[family],
        created_at=timezone.now() - timedelta(seconds=1),
    )
    return {"owner": owner, "friend": friend, "family": family, "earlier": earlier}


def _label(world, include_earlier_posts=None) -> int:
    body = {} if include_earlier_posts is None else {"include_earlier_posts": include_earlier_posts}
    url = f"/api/v1/tags/{world['family'].pk}/members/friend/"
    return client_for(world["owner"]).put(url, body, format="json").status_code


def _later_post(world) -> Post:
    return PostFactory(
        author=world["owner"],
        body="after the label",
        audience="tags",
        audience_tags=[world["family"]],
    )


def _reads(viewer) -> dict[str, set[int]]:
    """What each read path (precompiled feed and profile, the post page, search) returns."""
    owner = Post.objects.filter(author__username="owner").first().author  # audience-ok: test
    found = {
        "feed": {post.pk for post in selectors.feed_for(viewer=viewer).items},
        "profile": {
            post.pk for post in selectors.profile_posts_for(viewer=viewer, author=owner).items
        },
        "search": {post.pk for post in selectors.search_for(viewer=viewer, query="label").posts},
    }
    found["post"] = set()
    for post in Post.objects.filter(author=owner):  # audience-ok: probing each by id
        with contextlib.suppress(Post.DoesNotExist):
            found["post"].add(selectors.post_for(viewer=viewer, post_id=post.pk).pk)
    return found


def test_only_from_now_on_hides_earlier_tag_posts_on_every_read(tagged_world):
    assert _label(tagged_world, include_earlier_posts=False) == 204
    membership = TagMembership.objects.get()
    assert membership.include_earlier_posts is False
    later = _later_post(tagged_world)
    expected = {later.pk}
    assert _reads(tagged_world["friend"]) == dict.fromkeys(
        ["feed", "profile", "search", "post"], expected
    )
    assert {
        user.username for user in selectors.post_audience(post=tagged_world["earlier"])
    } == set()
    assert {user.username for user in selectors.post_audience(post=later)} == {"friend"}
    # Changing one's mind later shows the earlier post at once.
    assert _label(tagged_world, include_earlier_posts=True) == 204
    both = {later.pk, tagged_world["earlier"].pk}
    assert _reads(tagged_world["friend"]) == dict.fromkeys(
        ["feed", "profile", "search", "post"], both
    )


def test_a_label_includes_earlier_posts_unless_told_and_put_without_it_keeps_it(tagged_world):
    assert _label(tagged_world) == 204
    assert TagMembership.objects.get().include_earlier_posts is True
    assert tagged_world["earlier"].pk in _reads(tagged_world["friend"])["feed"]
    assert _label(tagged_world, include_earlier_posts=False) == 204
    assert _label(tagged_world) == 204  # no flag: unchanged
    assert TagMembership.objects.get().include_earlier_posts is False


def test_the_digest_follows_the_clause(tagged_world):
    """The digest's selection (precompiled) as the labelled person: earlier post left out."""
    _label(tagged_world, include_earlier_posts=False)
    later = _later_post(tagged_world)
    # Important enough for the digest's threshold.
    Post.objects.filter(author=tagged_world["owner"]).update(importance=10)  # audience-ok: test
    week = week_of(later.created_at, "UTC")
    picked = digest_select(recipient=tagged_world["friend"], week=week)
    assert later.pk in {post.pk for post in picked}
    assert tagged_world["earlier"].pk not in {post.pk for post in picked}


def test_the_preview_counts_the_tags_earlier_posts(tagged_world):
    owner, family = tagged_world["owner"], tagged_world["family"]
    PostFactory(author=owner, audience="tags", audience_tags=[family])
    PostFactory(author=owner, audience="connections")
    PostFactory(author=owner, audience="tags", audience_tags=[TagFactory(owner=owner)])
    client = client_for(owner)
    url = f"/api/v1/tags/{family.pk}/members/friend/preview/"
    assert client.get(url).json() == {"earlier_posts": 2}
    _label(tagged_world, include_earlier_posts=False)
    _later_post(tagged_world)  # written after the label: not an earlier post
    assert client.get(url).json() == {"earlier_posts": 2}
    # Someone else's tag is answered like a missing one; a stranger cannot be labelled.
    other_tag = TagFactory(owner=tagged_world["friend"])
    assert client.get(f"/api/v1/tags/{other_tag.pk}/members/friend/preview/").status_code == 404
    UserFactory(username="stranger")
    assert client.get(f"/api/v1/tags/{family.pk}/members/stranger/preview/").status_code == 400


def test_the_tags_page_asks_and_only_from_now_on_stores_false(tagged_world, client):
    client.force_login(tagged_world["owner"])
    page = client.get("/tags/").content.decode()
    assert "Also show them the earlier posts shared with this tag?" in page
    assert "Only from now on" in page
    assert f'data-earlier-posts="/api/v1/tags/{tagged_world["family"].pk}/members/"' in page
    response = client.post(
        f"/tags/{tagged_world['family'].pk}/members/",
        {"username": "friend", "include_earlier_posts": "false"},
    )
    assert response.status_code == 302
    assert TagMembership.objects.get().include_earlier_posts is False


def test_existing_memberships_keep_their_earlier_posts():
    """The migration's default (SPEC §2): nothing anyone sees changes."""
    field = TagMembership._meta.get_field("include_earlier_posts")
    assert field.default is True and not field.null
