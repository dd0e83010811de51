"""The posts, feed and comments API (SPEC §6): shapes, errors, pagination, query counts."""

import pytest
from django.test import RequestFactory
from django.urls import get_script_prefix, set_script_prefix
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from connections.tests.factories import TagFactory, connect
from social import selectors
from social.api.serializers import PostSerializer
from social.models import Comment, Photo, Post
from social.storage import photo_url, photo_urls_for
from social.tests.factories import CommentFactory, PostFactory, UserFactory
from social.tests.helpers import image_bytes, network, upload

POST_KEYS = {
    "id",
    "author",
    "body",
    "body_html",
    "is_milestone",
    "importance",
    "photos",
    "comment_count",
    "created_at",
    "edited_at",
}


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    client.user = user
    return client


@pytest.fixture
def net(db, settings):
    settings.RATELIMIT_ENABLE = False
    return network()


@pytest.fixture
def author_api(net):
    return client_for(net["author"])


def test_create_json_and_read_back(net, author_api):
    response = author_api.post(
        "/api/v1/posts/",
        {
            "body": "Hello https://example.com",
            "audience": "tags",
            "audience_tags": [net["family"].pk],
            "is_milestone": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert set(data) == POST_KEYS | {"audience", "audience_tags"}
    assert data["author"] == {"username": "author", "display_name": "Author"}
    assert data["audience"] == "tags"
    assert data["audience_tags"] == [{"id": net["family"].pk, "name": "family"}]
    assert data["importance"] == 7.04
    assert data["comment_count"] == 0 and data["photos"] == [] and data["edited_at"] is None
    assert 'rel="nofollow noopener"' in data["body_html"]
    # Another viewer sees the post and nothing about its audience.
    other = client_for(net["tagged"]).get(f"/api/v1/posts/{data['id']}/").json()
    assert set(other) == POST_KEYS
    # Someone outside the audience gets exactly what a missing post gets.
    hidden = client_for(net["untagged"]).get(f"/api/v1/posts/{data['id']}/")
    missing = client_for(net["untagged"]).get("/api/v1/posts/999999/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


def test_create_multipart_with_photos(net, author_api):
    response = author_api.post(
        "/api/v1/posts/",
        {
            "body": "two photos",
            "audience": "tags",
            "audience_tags": [net["family"].pk],
            "photos": [upload(), upload(image_bytes(fmt="PNG"), "b.png", "image/png")],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    photos = response.json()["photos"]
    assert len(photos) == 2
    assert photos[0]["url"].startswith("http://testserver/photos/")
    assert photos[0]["thumbnail_url"].endswith("/thumb/")
    assert (photos[0]["width"], photos[0]["height"]) == (40, 20)
    image = author_api.get(photos[0]["url"])
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    assert image["Cache-Control"] == "private, max-age=3600"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"body": ""}, "body"),
        ({"body": "x" * 5001}, "body"),
        ({"body": "hi", "audience": "everyone"}, "audience"),
        ({"body": "hi", "audience": "tags"}, "audience_tags"),
        ({"body": "hi", "audience": "tags", "audience_tags": list(range(1, 12))}, "audience_tags"),
    ],
)
def test_create_refuses_bad_input(net, author_api, payload, field):
    response = author_api.post("/api/v1/posts/", payload, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "validation_error"
    assert field in error["fields"] and error["message"]
    assert not Post.objects.exists()


def test_create_refuses_another_users_tag(net, author_api):
    theirs = TagFactory(owner=net["tagged"])
    response = author_api.post(
        "/api/v1/posts/",
        {"body": "hi", "audience": "tags", "audience_tags": [theirs.pk]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["audience_tags"] == ["Choose among your own tags."]


@pytest.mark.parametrize(
    ("files", "status", "fragment"),
    [
        ([upload() for _ in range(5)], 400, "at most 4 photos"),
        ([upload(b"GIF89a not really", "a.gif", "image/gif")], 400, "not an image"),
        ([upload(image_bytes(size=(300, 300))[:300])], 400, "damaged or incomplete"),
    ],
)
def test_create_refuses_bad_photos(net, author_api, settings, files, status, fragment):
    response = author_api.post("/api/v1/posts/", {"body": "x", "photos": files}, format="multipart")
    assert response.status_code == status
    assert fragment in response.json()["error"]["fields"]["photos"][0]
    assert not Post.objects.exists() and not Photo.objects.exists()


def test_create_refuses_an_oversized_image_with_413(net, author_api, settings):
    settings.PHOTO_MAX_BYTES = 2000
    response = author_api.post(
        "/api/v1/posts/",
        {"body": "x", "photos": [upload(image_bytes(size=(500, 500)))]},
        format="multipart",
    )
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["type"] == "payload_too_large"
    assert "at most" in error["message"]
    assert not Post.objects.exists()


def test_create_refuses_too_many_pixels(net, author_api, settings):
    settings.PHOTO_MAX_PIXELS = 50 * 50
    response = author_api.post(
        "/api/v1/posts/",
        {"body": "x", "photos": [upload(image_bytes(size=(60, 60)))]},
        format="multipart",
    )
    assert response.status_code == 400
    assert "megapixels" in response.json()["error"]["fields"]["photos"][0]


def test_storage_failure_answers_503_and_creates_nothing(net, author_api, monkeypatch):
    from social import services

    def broken(**kwargs):
        raise ConnectionError("bucket unreachable")

    monkeypatch.setattr(services, "storage_save", broken)
    response = author_api.post(
        "/api/v1/posts/", {"body": "x", "photos": [upload()]}, format="multipart"
    )
    assert response.status_code == 503
    assert response.json()["error"]["type"] == "storage_unavailable"
    assert "nothing was posted" in response.json()["error"]["message"]
    assert not Post.objects.exists()


def test_update_and_delete_by_author_only(net, author_api):
    post = PostFactory(author=net["author"], body="before")
    other = client_for(net["tagged"])
    assert other.patch(f"/api/v1/posts/{post.pk}/", {"body": "x"}, format="json").status_code == 404
    assert other.delete(f"/api/v1/posts/{post.pk}/").status_code == 404
    response = author_api.patch(
        f"/api/v1/posts/{post.pk}/",
        {"body": "after", "audience": "tags", "audience_tags": [net["family"].pk]},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["body"] == "after" and response.json()["edited_at"]
    assert response.json()["audience_tags"] == [{"id": net["family"].pk, "name": "family"}]
    bad = author_api.patch(f"/api/v1/posts/{post.pk}/", {"body": ""}, format="json")
    assert bad.status_code == 400 and "body" in bad.json()["error"]["fields"]
    assert author_api.delete(f"/api/v1/posts/{post.pk}/").status_code == 204
    assert not Post.objects.filter(pk=post.pk).exists()


def test_posts_by_author_lists_only_what_the_viewer_can_see(net):
    author = net["author"]
    shown = PostFactory(author=author)
    PostFactory(author=author, audience="private")
    tagged_only = PostFactory(author=author, audience="tags", audience_tags=[net["family"]])
    untagged = client_for(net["untagged"]).get("/api/v1/posts/?author=author").json()
    assert [post["id"] for post in untagged["results"]] == [shown.pk]
    tagged = client_for(net["tagged"]).get("/api/v1/posts/?author=AUTHOR").json()
    assert [post["id"] for post in tagged["results"]] == [tagged_only.pk, shown.pk]
    assert tagged["next"] is None
    nobody = client_for(net["tagged"]).get("/api/v1/posts/?author=nobody_here").json()
    assert nobody == {"results": [], "next": None}
    missing = client_for(net["tagged"]).get("/api/v1/posts/")
    assert missing.status_code == 400 and "author" in missing.json()["error"]["fields"]


def test_anonymous_gets_401(db):
    for url in ["/api/v1/feed/", "/api/v1/posts/?author=x", "/api/v1/posts/1/"]:
        assert APIClient().get(url).status_code == 401


def test_feed_is_keyset_paginated_newest_first(net, author_api):
    posts = [PostFactory(author=net["tagged"]) for _ in range(5)]
    PostFactory(author=net["stranger"])  # not connected: never in the feed
    first = author_api.get("/api/v1/feed/?page_size=2").json()
    assert [p["id"] for p in first["results"]] == [posts[4].pk, posts[3].pk]
    assert first["next"].startswith("http://testserver/api/v1/feed/?")
    assert "page_size=2" in first["next"]
    second = author_api.get(first["next"]).json()
    assert [p["id"] for p in second["results"]] == [posts[2].pk, posts[1].pk]
    # A post created meanwhile does not shift the pages.
    PostFactory(author=net["tagged"])
    third = author_api.get(second["next"]).json()
    assert [p["id"] for p in third["results"]] == [posts[0].pk]
    assert third["next"] is None


def test_feed_orders_equal_times_by_id(net, author_api):
    first = PostFactory(author=net["tagged"])
    second = PostFactory(author=net["untagged"], created_at=first.created_at)
    third = PostFactory(author=net["author"], created_at=first.created_at)
    page = author_api.get("/api/v1/feed/?page_size=1").json()
    ids = [page["results"][0]["id"]]
    while page["next"]:
        page = author_api.get(page["next"]).json()
        ids += [post["id"] for post in page["results"]]
    assert ids == [third.pk, second.pk, first.pk]


@pytest.mark.parametrize(
    "query", ["page_size=0", "page_size=51", "page_size=abc", "cursor=not-a-cursor", "cursor=%25"]
)
def test_feed_refuses_bad_paging(net, author_api, query):
    response = author_api.get(f"/api/v1/feed/?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "validation_error"


def test_comments_list_create_delete(net, author_api):
    post = PostFactory(author=net["author"])
    tagged = client_for(net["tagged"])
    created = tagged.post(f"/api/v1/posts/{post.pk}/comments/", {"body": "Nice <b>!</b>"})
    assert created.status_code == 201
    comment = created.json()
    assert set(comment) == {"id", "post", "author", "body", "body_html", "created_at"}
    assert comment["post"] == post.pk and comment["body"] == "Nice <b>!</b>"
    assert comment["body_html"] == "<p>Nice &lt;b&gt;!&lt;/b&gt;</p>"
    CommentFactory(post=post)
    listed = author_api.get(f"/api/v1/posts/{post.pk}/comments/").json()
    assert [c["id"] for c in listed["results"]][0] == comment["id"]  # oldest first
    assert listed["next"] is None
    assert author_api.get(f"/api/v1/posts/{post.pk}/").json()["comment_count"] == 2
    untagged = client_for(net["untagged"])
    assert untagged.delete(f"/api/v1/comments/{comment['id']}/").status_code == 404
    assert author_api.delete(f"/api/v1/comments/{comment['id']}/").status_code == 204
    assert not Comment.objects.filter(pk=comment["id"]).exists()


@pytest.mark.parametrize(("body", "status"), [("", 400), ("   ", 400), ("x" * 2001, 400)])
def test_comment_refuses_bad_bodies(net, body, status):
    post = PostFactory(author=net["author"])
    response = client_for(net["tagged"]).post(
        f"/api/v1/posts/{post.pk}/comments/", {"body": body}, format="json"
    )
    assert response.status_code == status
    assert "body" in response.json()["error"]["fields"]
    assert not Comment.objects.exists()


def test_comment_on_an_invisible_post_is_404(net):
    post = PostFactory(author=net["author"], audience="private")
    client = client_for(net["tagged"])
    assert client.post(f"/api/v1/posts/{post.pk}/comments/", {"body": "hi"}).status_code == 404
    assert client.get(f"/api/v1/posts/{post.pk}/comments/").status_code == 404
    assert not Comment.objects.exists()


def test_comment_count_counts_only_visible_comments(net):
    post = PostFactory(author=net["author"])
    CommentFactory(post=post, author=net["tagged"])  # untagged is not connected to tagged
    CommentFactory(post=post)
    as_untagged = client_for(net["untagged"]).get(f"/api/v1/posts/{post.pk}/").json()
    as_tagged = client_for(net["tagged"]).get(f"/api/v1/posts/{post.pk}/").json()
    assert (as_untagged["comment_count"], as_tagged["comment_count"]) == (1, 2)
    listed = client_for(net["untagged"]).get(f"/api/v1/posts/{post.pk}/comments/").json()
    assert len(listed["results"]) == 1


def test_post_rate_limit_applies(net, author_api, settings):
    settings.RATELIMIT_ENABLE = True
    settings.RATELIMITS = {**settings.RATELIMITS, "post": "2/h"}
    for _ in range(2):
        assert author_api.post("/api/v1/posts/", {"body": "x"}).status_code == 201
    limited = author_api.post("/api/v1/posts/", {"body": "x"})
    assert limited.status_code == 429 and limited["Retry-After"]
    assert Post.objects.count() == 2


# --- Query counts (SPEC §4: no per-post queries) --------------------------------------------------


def _fill(viewer, count: int):
    """`count` posts by the viewer's connections and the viewer, each with photos and comments."""
    friends = [UserFactory() for _ in range(3)]
    for friend in friends:
        connect(viewer, friend)
    tag = TagFactory(owner=viewer)
    posts = []
    for index in range(count):
        author = viewer if index % 3 == 0 else friends[index % 3]
        post = PostFactory(
            author=author,
            audience="tags" if author == viewer else "connections",
            audience_tags=[tag] if author == viewer else [],
        )
        for position in range(2):
            Photo.objects.create(
                post=post,
                position=position,
                display_key=f"photos/{post.pk}-{position}.jpg",
                thumbnail_key=f"photos/{post.pk}-{position}-t.jpg",
                width=40,
                height=20,
                thumbnail_width=40,
                thumbnail_height=20,
                alt="A <b>red</b> kite\nover the hill" if position == 0 else "",
            )
        CommentFactory(post=post, author=friends[0])
        CommentFactory(post=post, author=viewer)
        posts.append(post)
    return posts


@pytest.mark.parametrize("count", [2, 12])
def test_api_feed_query_count_is_constant(db, django_assert_num_queries, count):
    viewer = UserFactory()
    _fill(viewer, count)
    client = client_for(viewer)
    # 1 the JWT user, 2 the posts (author joined; visible comment count, photos and the
    # viewer's own audience tags as subqueries).
    with django_assert_num_queries(2):
        response = client.get("/api/v1/feed/")
    assert len(response.json()["results"]) == count
    assert all(len(post["photos"]) == 2 for post in response.json()["results"])


@pytest.mark.parametrize("count", [2, 12])
def test_api_author_posts_query_count_is_constant(db, django_assert_num_queries, count):
    viewer = UserFactory()
    posts = _fill(viewer, count)
    author = posts[1].author
    client = client_for(viewer)
    # 1 the JWT user, 2 the author by username, 3 posts (with photos and own tags).
    with django_assert_num_queries(3):
        response = client.get(f"/api/v1/posts/?author={author.username}")
    assert len(response.json()["results"]) == sum(1 for p in posts if p.author == author)


@pytest.mark.parametrize("count", [2, 12])
def test_api_post_detail_and_comments_query_count(db, django_assert_num_queries, count):
    viewer = UserFactory()
    posts = _fill(viewer, count)
    for _ in range(count):
        CommentFactory(post=posts[0], author=viewer)
    client = client_for(viewer)
    # 1 the JWT user, 2 the post (with photos and own tags).
    with django_assert_num_queries(2):
        assert client.get(f"/api/v1/posts/{posts[0].pk}/").status_code == 200
    # 1 the JWT user, 2 is the post visible, 3 the comments with their authors.
    with django_assert_num_queries(3):
        response = client.get(f"/api/v1/posts/{posts[0].pk}/comments/")
    assert len(response.json()["results"]) == count + 2


def test_post_serializer_writes_what_the_generic_fields_would(db):
    """PostSerializer.to_representation is written out for speed: it must equal DRF's
    field-by-field output, for the author (audience shown) and for anyone else."""
    viewer = UserFactory()
    posts = _fill(viewer, 6)
    Post.objects.filter(pk=posts[1].pk).update(edited_at=timezone.now())  # audience-ok: test
    Post.objects.filter(pk=posts[2].pk).update(is_milestone=True, importance=2.5)  # audience-ok
    request = RequestFactory().get("/api/v1/feed/")
    request.user = viewer
    page = selectors.feed_for(viewer=viewer)
    assert {post.author_id == viewer.pk for post in page.items} == {True, False}
    serializer = PostSerializer(context={"request": request})
    for post in page.items:
        fast = serializer.to_representation(post)
        generic = serializer.generic_representation(post)
        assert fast == generic
        assert list(fast) == list(generic)
        assert [type(value) for value in fast.values()] == [
            type(value) for value in generic.values()
        ]


@pytest.mark.parametrize("prefix", ["/", "/social/"])
def test_photo_urls_for_one_request_are_the_photo_urls(db, prefix):
    """The feed reverses the photo route once per request: the same URLs as `photo_url`,
    relative and absolute, also when the site is served under a path prefix."""
    viewer = UserFactory()
    photos = [photo for post in _fill(viewer, 3) for photo in post.photos.all()]
    request = RequestFactory().get("/api/v1/feed/", HTTP_HOST="example.org")
    old_prefix = get_script_prefix()
    set_script_prefix(prefix)
    try:
        for request_or_none in (request, None):
            urls = photo_urls_for(request_or_none)
            for photo in photos:
                for variant in ("display", "thumb"):
                    assert urls(photo, variant) == photo_url(photo, variant, request_or_none)
        assert photo_urls_for(request)(photos[0], "thumb").startswith(f"http://example.org{prefix}")
    finally:
        set_script_prefix(old_prefix)
