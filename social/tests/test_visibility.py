"""The audience rule (SPEC §3): a matrix of viewers × audiences, a property-based comparison
with a plain Python model of the rule, and "who can see this" agreeing with it."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connections.models import Connection
from connections.tests.factories import BlockFactory, TagFactory, TagMembershipFactory, connect
from social.models import Comment, Post
from social.selectors import post_audience
from social.tests.factories import CommentFactory, PostFactory, UserFactory

VIEWERS = [
    "author",
    "connected",
    "pending_requester",
    "pending_recipient",
    "stranger",
    "blocked",
    "blocker",
    "tagged",
    # Labelled "only from now on" (include_earlier_posts false) an hour before the post.
    "tagged_from_now",
    # Labelled an hour after the post: with its earlier posts, and "only from now on".
    "tagged_later",
    "tagged_later_from_now",
    "untagged",
    "anonymous",
]
AUDIENCES = ["connections", "tags", "private"]

# SPEC §3, spelled out: who sees a post of each audience.
LABELLED_LATE = {"tagged_from_now", "tagged_later", "tagged_later_from_now"}
CAN_SEE_POST = {
    "connections": {"author", "connected", "tagged", "untagged"} | LABELLED_LATE,
    "tags": {"author", "tagged", "tagged_from_now", "tagged_later"},
    "private": {"author"},
}


@pytest.fixture
def world(db):
    """The author, one viewer of each kind, the author's tags and a third-party commenter."""
    author = UserFactory(username="author")
    people = {name: UserFactory(username=name) for name in VIEWERS if name not in ("author",)}
    people.pop("anonymous")
    people["author"] = author
    family, work = TagFactory(owner=author, name="family"), TagFactory(owner=author, name="work")
    connect(author, people["connected"])
    connect(people["pending_requester"], author, status=Connection.Status.PENDING)
    connect(author, people["pending_recipient"], status=Connection.Status.PENDING)
    # The blocked pair keeps its connection row and tag membership: the block alone must hide.
    for name in ("blocked", "blocker", "tagged", "untagged", *LABELLED_LATE):
        connect(author, people[name])
    BlockFactory(blocker=author, blocked=people["blocked"])
    BlockFactory(blocker=people["blocker"], blocked=author)
    for name in ("blocked", "blocker", "tagged"):
        TagMembershipFactory(tag=family, target=people[name])
    TagMembershipFactory(tag=work, target=people["untagged"])
    # Posts are written now (PostFactory): these labels are an hour before or after them.
    hour = timedelta(hours=1)
    for name, include_earlier, offset in [
        ("tagged_from_now", False, -hour),
        ("tagged_later", True, hour),
        ("tagged_later_from_now", False, hour),
    ]:
        TagMembershipFactory(
            tag=family,
            target=people[name],
            include_earlier_posts=include_earlier,
            created_at=timezone.now() + offset,
        )
    # A stranger labelled in the tag still sees nothing: labels never replace a connection.
    TagMembershipFactory(tag=family, target=people["stranger"])
    # The commenter is connected to the author, "connected" and "tagged" (not "untagged").
    commenter = UserFactory(username="commenter")
    for name in ("author", "connected", "tagged"):
        connect(commenter, people[name])
    TagMembershipFactory(tag=family, target=commenter)
    return {"people": people, "family": family, "commenter": commenter}


def _viewer(world, name):
    return AnonymousUser() if name == "anonymous" else world["people"][name]


def _post(world, audience):
    author = world["people"]["author"]
    tags = [world["family"]] if audience == "tags" else []
    return PostFactory(author=author, audience=audience, audience_tags=tags)


@pytest.mark.parametrize("audience", AUDIENCES)
@pytest.mark.parametrize("viewer_name", VIEWERS)
def test_post_visibility_matrix(world, viewer_name, audience):
    post = _post(world, audience)
    visible = Post.objects.visible_to(_viewer(world, viewer_name)).filter(pk=post.pk).exists()
    assert visible == (viewer_name in CAN_SEE_POST[audience])


@pytest.mark.parametrize("audience", AUDIENCES)
@pytest.mark.parametrize("viewer_name", VIEWERS)
def test_comment_visibility_matrix(world, viewer_name, audience):
    post = _post(world, audience)
    by_author = CommentFactory(post=post)
    by_commenter = CommentFactory(post=post, author=world["commenter"])
    visible = set(
        Comment.objects.visible_to(_viewer(world, viewer_name))
        .filter(post=post)
        .values_list("pk", flat=True)
    )
    sees_post = viewer_name in CAN_SEE_POST[audience]
    # The commenter's comment also needs the viewer to be connected to the commenter.
    knows_commenter = viewer_name in {"author", "connected", "tagged"}
    expected = set()
    if sees_post:
        expected.add(by_author.pk)
        if knows_commenter:
            expected.add(by_commenter.pk)
    assert visible == expected


def test_comment_hidden_when_viewer_and_commenter_block_each_other(world):
    post = _post(world, "connections")
    viewer = world["people"]["connected"]
    comment = CommentFactory(post=post, author=world["commenter"])
    assert Comment.objects.visible_to(viewer).filter(pk=comment.pk).exists()
    BlockFactory(blocker=world["commenter"], blocked=viewer)
    assert not Comment.objects.visible_to(viewer).filter(pk=comment.pk).exists()
    # ... while the post itself and the author's comments stay visible.
    assert Post.objects.visible_to(viewer).filter(pk=post.pk).exists()


def test_own_comment_visible_only_while_post_is(world):
    post = _post(world, "connections")
    viewer = world["people"]["untagged"]
    comment = CommentFactory(post=post, author=viewer)
    assert Comment.objects.visible_to(viewer).filter(pk=comment.pk).exists()
    Post.objects.filter(pk=post.pk).update(audience="private")
    assert not Comment.objects.visible_to(viewer).filter(pk=comment.pk).exists()


def test_tags_post_without_tags_is_seen_by_the_author_only(world):
    post = _post(world, "tags")
    world["family"].delete()
    visible_to = {
        name
        for name in VIEWERS
        if Post.objects.visible_to(_viewer(world, name)).filter(pk=post.pk).exists()
    }
    assert visible_to == {"author"}


def test_visible_to_needs_no_distinct(world):
    """Several matching tags and memberships never duplicate a post."""
    author, tagged = world["people"]["author"], world["people"]["tagged"]
    second = TagFactory(owner=author, name="climbing")
    TagMembershipFactory(tag=second, target=tagged)
    post = PostFactory(author=author, audience="tags", audience_tags=[world["family"], second])
    assert list(Post.objects.visible_to(tagged).filter(pk=post.pk)) == [post]


@pytest.mark.parametrize("audience", AUDIENCES)
def test_who_can_see_this_agrees_with_visible_to(world, audience):
    post = _post(world, audience)
    listed = {user.username for user in post_audience(post=post)}
    everyone = [*world["people"].values(), world["commenter"]]
    expected = {
        user.username
        for user in everyone
        if user != post.author and Post.objects.visible_to(user).filter(pk=post.pk).exists()
    }
    assert listed == expected
    assert listed == CAN_SEE_POST[audience] - {"author"} | (
        {"commenter"} if audience != "private" else set()
    )


# --- Property-based: visible_to against a plain model of SPEC §3 ------------------------------


START = datetime(2026, 3, 1, 12, tzinfo=UTC)


@st.composite
def networks(draw):
    n = draw(st.integers(min_value=2, max_value=5))
    people = list(range(n))
    pairs = [(a, b) for a in people for b in people if a < b]
    links = {
        pair: draw(st.sampled_from(["none", "pending", "accepted"]), label=f"link {pair}")
        for pair in pairs
    }
    requesters = {pair: draw(st.sampled_from(pair)) for pair in pairs}
    ordered = [(a, b) for a in people for b in people if a != b]
    blocks = draw(st.sets(st.sampled_from(ordered), max_size=3))
    # Times are hours (0–3) after a fixed start: posts before, at and after each labelling.
    hours = st.integers(0, 3)
    tags = []  # (owner, {member: (include_earlier_posts, labelled at)})
    for owner in people:
        for _ in range(draw(st.integers(0, 2))):
            others = [p for p in people if p != owner]
            members = draw(
                st.dictionaries(st.sampled_from(others), st.tuples(st.booleans(), hours))
            )
            tags.append((owner, members))
    posts = []  # (author, audience, tag indexes, written at)
    for _ in range(draw(st.integers(1, 6))):
        author = draw(st.sampled_from(people))
        audience = draw(st.sampled_from(AUDIENCES))
        own = [i for i, (owner, _members) in enumerate(tags) if owner == author]
        chosen = draw(st.sets(st.sampled_from(own))) if own and audience == "tags" else set()
        posts.append((author, audience, chosen, draw(hours)))
    comments = draw(
        st.lists(st.tuples(st.integers(0, len(posts) - 1), st.sampled_from(people)), max_size=6)
    )
    return {
        "n": n,
        "links": links,
        "requesters": requesters,
        "blocks": blocks,
        "tags": tags,
        "posts": posts,
        "comments": comments,
    }


def reference_can_see_post(net, viewer, post) -> bool:
    """SPEC §3 in plain Python (the only other copy of the rule, and it lives in a test)."""
    author, audience, tag_indexes, written_at = post
    if viewer is None:
        return False
    if viewer == author:
        return True
    connected = net["links"][tuple(sorted((viewer, author)))] == "accepted"
    blocked = (viewer, author) in net["blocks"] or (author, viewer) in net["blocks"]
    tagged = False
    for i in tag_indexes:
        if viewer in net["tags"][i][1]:
            include_earlier, labelled_at = net["tags"][i][1][viewer]
            # The membership covers the post.
            tagged = tagged or include_earlier or written_at >= labelled_at
    return (
        connected and not blocked and (audience == "connections" or (audience == "tags" and tagged))
    )


def reference_can_see_comment(net, viewer, comment) -> bool:
    post_index, commenter = comment
    post = net["posts"][post_index]
    if not reference_can_see_post(net, viewer, post):
        return False
    connected = (
        viewer != commenter and net["links"][tuple(sorted((viewer, commenter)))] == "accepted"
    )
    blocked = (viewer, commenter) in net["blocks"] or (commenter, viewer) in net["blocks"]
    return (viewer == commenter or commenter == post[0] or connected) and not blocked


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(net=networks())
def test_visible_to_matches_the_reference_model(db, net):
    with transaction.atomic():
        users = [UserFactory() for _ in range(net["n"])]
        for (a, b), state in net["links"].items():
            if state != "none":
                requester = net["requesters"][(a, b)]
                other = b if requester == a else a
                connect(users[requester], users[other], status=state)
        for blocker, blocked in net["blocks"]:
            BlockFactory(blocker=users[blocker], blocked=users[blocked])
        tags = []
        for owner, members in net["tags"]:
            tag = TagFactory(owner=users[owner])
            for member, (include_earlier, labelled_at) in members.items():
                TagMembershipFactory(
                    tag=tag,
                    target=users[member],
                    include_earlier_posts=include_earlier,
                    created_at=START + timedelta(hours=labelled_at),
                )
            tags.append(tag)
        posts = [
            PostFactory(
                author=users[author],
                audience=audience,
                audience_tags=[tags[i] for i in chosen],
                created_at=START + timedelta(hours=written_at),
            )
            for author, audience, chosen, written_at in net["posts"]
        ]
        comments = [
            CommentFactory(post=posts[post_index], author=users[commenter])
            for post_index, commenter in net["comments"]
        ]
        for viewer_index in [None, *range(net["n"])]:
            viewer = AnonymousUser() if viewer_index is None else users[viewer_index]
            expected_posts = {
                posts[i].pk
                for i, post in enumerate(net["posts"])
                if reference_can_see_post(net, viewer_index, post)
            }
            expected_comments = {
                comments[i].pk
                for i, comment in enumerate(net["comments"])
                if reference_can_see_comment(net, viewer_index, comment)
            }
            got_posts = list(Post.objects.visible_to(viewer).values_list("pk", flat=True))
            got_comments = list(Comment.objects.visible_to(viewer).values_list("pk", flat=True))
            assert sorted(got_posts) == sorted(expected_posts)
            assert sorted(got_comments) == sorted(expected_comments)
        # "Who can see this" (visible_to with the viewer as an OuterRef) agrees too.
        for i, post in enumerate(net["posts"]):
            expected_people = {
                users[v].pk
                for v in range(net["n"])
                if v != post[0] and reference_can_see_post(net, v, post)
            }
            assert {user.pk for user in post_audience(post=posts[i])} == expected_people
        transaction.set_rollback(True)
