"""The feed, compose, post, edit, delete and comment pages; the profile timeline partial."""

import re

import pytest
from django.template.loader import render_to_string
from django.test import Client, RequestFactory

from connections.tests.factories import TagFactory, TagMembershipFactory, connect
from social.models import Comment, Post
from social.tests.factories import CommentFactory, PostFactory, UserFactory
from social.tests.helpers import image_bytes, network, upload
from social.views import profile_timeline_context

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def page_for(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


@pytest.fixture
def net(db, settings):
    settings.RATELIMIT_ENABLE = False
    return network()


def test_feed_needs_login(db):
    response = Client().get("/feed/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_feed_shows_the_compose_form_with_own_tags(net):
    TagFactory(owner=net["tagged"], name="not-yours")
    html = page_for(net["author"]).get("/feed/").content.decode()
    assert 'action="/posts/new/"' in html and 'enctype="multipart/form-data"' in html
    assert "family" in html and "not-yours" not in html
    assert 'name="photos"' in html and "multiple" in html
    assert 'name="is_milestone"' in html
    assert "Nothing here yet" in html


def test_the_feeds_compose_box_is_folded_behind_share_something(net):
    """Open on wide screens by site.js (data-open-wide); the page to compose is never folded."""
    feed = page_for(net["author"]).get("/feed/").content.decode()
    assert re.search(
        r'<details class="compose-fold" data-open-wide>\s*<summary class="compose-summary">'
        r'<h2 id="compose-title">Share something</h2></summary>',
        feed,
    )
    compose = page_for(net["author"]).get("/posts/new/").content.decode()
    assert 'name="body"' in compose and "compose-fold" not in compose


def test_compose_creates_and_redirects(net):
    client = page_for(net["author"], enforce_csrf_checks=False)
    response = client.post(
        "/posts/new/",
        {
            "body": "From the page",
            "audience": "tags",
            "audience_tags": [net["family"].pk],
            "is_milestone": "on",
            "photos": [upload()],
        },
    )
    post = Post.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/posts/{post.pk}/"
    assert post.is_milestone and list(post.audience_tags.all()) == [net["family"]]
    assert post.photos.count() == 1
    detail = client.get(response["Location"]).content.decode()
    assert "Posted." in detail and "From the page" in detail


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"body": "", "audience": "connections"}, 400, "Write something or add a photo."),
        ({"body": "x" * 5001, "audience": "connections"}, 400, "at most 5,000 characters"),
        ({"body": "kept text", "audience": "everyone"}, 400, "Select a valid choice"),
        ({"body": "kept text", "audience": "tags"}, 400, "Choose at least one of your tags."),
        (
            {"body": "kept text", "audience": "connections", "photos": [upload(b"nope", "a.jpg")]},
            400,
            "not an image",
        ),
    ],
)
def test_compose_errors_show_next_to_fields_and_keep_the_text(net, data, status, message):
    response = page_for(net["author"]).post("/posts/new/", data)
    assert response.status_code == status
    html = response.content.decode()
    assert message in html and 'class="field-error"' in html
    # The feed's folded compose box is open, so that the errors show (even on a phone).
    assert '<details class="compose-fold" open>' in html
    if data["body"] == "kept text":
        assert "kept text</textarea>" in html
    assert not Post.objects.exists()


def test_compose_refuses_another_users_tag(net):
    theirs = TagFactory(owner=net["tagged"])
    response = page_for(net["author"]).post(
        "/posts/new/", {"body": "x", "audience": "tags", "audience_tags": [theirs.pk]}
    )
    assert response.status_code == 400 and not Post.objects.exists()


def test_compose_oversized_photo_is_413_with_a_message(net, settings):
    settings.PHOTO_MAX_BYTES = 1500
    response = page_for(net["author"]).post(
        "/posts/new/",
        {"body": "x", "audience": "connections", "photos": [upload(image_bytes(size=(400, 400)))]},
    )
    assert response.status_code == 413
    assert "Images can be at most" in response.content.decode()
    assert not Post.objects.exists()


def test_compose_storage_failure_tells_the_user(net, monkeypatch):
    from social import services

    monkeypatch.setattr(
        services, "storage_save", lambda **kwargs: (_ for _ in ()).throw(OSError("down"))
    )
    response = page_for(net["author"]).post(
        "/posts/new/", {"body": "x", "audience": "connections", "photos": [upload()]}
    )
    assert response.status_code == 503
    assert "nothing was posted" in response.content.decode()
    assert not Post.objects.exists()


def test_forms_are_csrf_protected(net):
    post = PostFactory(author=net["author"])
    client = page_for(net["author"], enforce_csrf_checks=True)
    assert client.post("/posts/new/", {"body": "x", "audience": "connections"}).status_code == 403
    assert client.post(f"/posts/{post.pk}/delete/").status_code == 403
    assert client.post(f"/posts/{post.pk}/comments/", {"body": "x"}).status_code == 403
    assert Post.objects.count() == 1 and not Comment.objects.exists()
    assert 'name="csrfmiddlewaretoken"' in client.get(f"/posts/{post.pk}/").content.decode()


def test_post_page_for_the_author_shows_who_can_see_it(net):
    post = PostFactory(author=net["author"], audience="tags", audience_tags=[net["family"]])
    html = page_for(net["author"]).get(f"/posts/{post.pk}/").content.decode()
    assert "Who can see this" in html
    who = html.split('class="plain-list who-list"')[1].split("</ul>")[0]
    assert "@tagged" in who and "@untagged" not in who
    assert f"/posts/{post.pk}/edit/" in html and f"/posts/{post.pk}/delete/" in html


def test_post_page_for_others_shows_nothing_about_the_audience(net):
    post = PostFactory(author=net["author"], audience="tags", audience_tags=[net["family"]])
    html = page_for(net["tagged"]).get(f"/posts/{post.pk}/").content.decode()
    assert "Who can see this" not in html and "family" not in html
    assert "/edit/" not in html and "/delete/" not in html.replace("comments/", "")


def test_edit_and_delete_are_for_the_author_only(net):
    post = PostFactory(author=net["author"], body="original")
    other = page_for(net["tagged"])
    assert other.get(f"/posts/{post.pk}/edit/").status_code == 404
    assert other.post(f"/posts/{post.pk}/edit/", {"body": "x"}).status_code == 404
    assert other.post(f"/posts/{post.pk}/delete/").status_code == 404
    author = page_for(net["author"])
    assert author.get(f"/posts/{post.pk}/delete/").status_code == 405
    form = author.get(f"/posts/{post.pk}/edit/").content.decode()
    assert "original</textarea>" in form
    bad = author.post(f"/posts/{post.pk}/edit/", {"body": "", "audience": "connections"})
    assert bad.status_code == 400 and "Write something or add a photo." in bad.content.decode()
    done = author.post(
        f"/posts/{post.pk}/edit/", {"body": "changed", "audience": "private", "is_milestone": "on"}
    )
    assert done.status_code == 302
    post.refresh_from_db()
    assert (post.body, post.audience, post.is_milestone) == ("changed", "private", True)
    assert post.edited_at is not None
    deleted = author.post(f"/posts/{post.pk}/delete/")
    assert deleted.status_code == 302 and deleted["Location"] == "/feed/"
    assert not Post.objects.exists()


def test_commenting_from_the_post_page(net):
    post = PostFactory(author=net["author"])
    client = page_for(net["tagged"])
    empty = client.post(f"/posts/{post.pk}/comments/", {"body": "  "})
    assert empty.status_code == 400 and "Write a comment first." in empty.content.decode()
    too_long = client.post(f"/posts/{post.pk}/comments/", {"body": "y" * 2001})
    assert too_long.status_code == 400 and "at most 2,000" in too_long.content.decode()
    done = client.post(f"/posts/{post.pk}/comments/", {"body": "Lovely!"})
    comment = Comment.objects.get()
    assert done.status_code == 302
    assert done["Location"] == f"/posts/{post.pk}/#comment-{comment.pk}"
    # Someone who cannot see the post cannot comment on it.
    hidden = PostFactory(author=net["author"], audience="private")
    assert client.post(f"/posts/{hidden.pk}/comments/", {"body": "hi"}).status_code == 404
    assert Comment.objects.count() == 1


def test_deleting_comments_from_the_page(net):
    post = PostFactory(author=net["author"])
    mine = CommentFactory(post=post, author=net["tagged"])
    theirs = CommentFactory(post=post, author=net["untagged"])
    tagged = page_for(net["tagged"])
    assert tagged.post(f"/comments/{theirs.pk}/delete/").status_code == 404
    assert tagged.post(f"/comments/{mine.pk}/delete/").status_code == 302
    assert page_for(net["author"]).post(f"/comments/{theirs.pk}/delete/").status_code == 302
    assert not Comment.objects.exists()


def test_feed_pages_with_older_posts_and_an_end(net, settings):
    settings.FEED_PAGE_SIZE = 2
    posts = [PostFactory(author=net["tagged"], body=f"post-{i}-end") for i in range(3)]
    client = page_for(net["author"])
    first = client.get("/feed/").content.decode()
    assert "post-2-end" in first and "post-1-end" in first and "post-0-end" not in first
    older = re.search(r'href="(/feed/\?cursor=[^"]+)"[^>]*>Older posts', first)
    assert older
    second = client.get(older.group(1).replace("&amp;", "&")).content.decode()
    assert "post-0-end" in second and "post-2-end" not in second
    assert "You&#x27;re all caught up" in second or "You're all caught up" in second
    assert "Older posts" not in second
    assert len(posts) == 3
    assert client.get("/feed/?cursor=garbage").status_code == 400


def test_stored_xss_is_escaped_on_pages(net):
    author, tagged = net["author"], net["tagged"]
    author.display_name = XSS
    author.save()
    tag = TagFactory(owner=author, name='<b onmouseover="x">t</b>')
    TagMembershipFactory(tag=tag, target=tagged)
    post = PostFactory(
        author=author, body=XSS + " http://example.com/<x>", audience="tags", audience_tags=[tag]
    )
    CommentFactory(post=post, author=tagged, body=XSS)
    for client in (page_for(author), page_for(tagged)):
        for url in ("/feed/", f"/posts/{post.pk}/"):
            html = client.get(url).content.decode()
            assert "<script>alert" not in html and "<img src=x" not in html
            assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
            assert '<b onmouseover="x">' not in html
    assert (
        "&lt;b onmouseover=&quot;x&quot;&gt;t&lt;/b&gt;"
        in page_for(author).get("/feed/").content.decode()
    )


def test_timeline_partial_renders_the_selector_page(net, settings):
    settings.FEED_PAGE_SIZE = 1
    PostFactory(author=net["author"], body="older one")
    PostFactory(author=net["author"], body="newest one")
    PostFactory(author=net["author"], body="private one", audience="private")
    request = RequestFactory().get("/people/author/")
    request.user = net["untagged"]
    context = profile_timeline_context(request, net["author"])
    html = render_to_string("social/_timeline.html", {**context, "user": net["untagged"]})
    assert "newest one" in html and "older one" not in html and "private one" not in html
    assert 'href="/people/author/?cursor=' in html and "Older posts" in html


# --- Query counts -------------------------------------------------------------------------------


def _fill(viewer, count):
    friend = UserFactory()
    connect(viewer, friend)
    tag = TagFactory(owner=viewer)
    posts = []
    for index in range(count):
        own = index % 2 == 0
        post = PostFactory(
            author=viewer if own else friend,
            audience="tags" if own else "connections",
            audience_tags=[tag] if own else [],
        )
        for position in range(2):
            post.photos.create(
                position=position,
                display_key=f"photos/{post.pk}{position}.jpg",
                thumbnail_key=f"photos/{post.pk}{position}t.jpg",
                width=4,
                height=2,
                thumbnail_width=4,
                thumbnail_height=2,
            )
        CommentFactory(post=post, author=friend)
        posts.append(post)
    return friend, posts


@pytest.mark.parametrize("count", [2, 12])
def test_feed_page_query_count_is_constant(db, django_assert_num_queries, count):
    viewer = UserFactory()
    _fill(viewer, count)
    client = page_for(viewer)
    # 1 session, 2 user, 3 posts (+ author, comment count, photos, own audience tags),
    # 4-5 the compose form's tags (has any? and the checkbox choices), 6 the navigation's
    # unread notification count (every signed-in page).
    with django_assert_num_queries(6):
        response = client.get("/feed/")
    assert response.content.decode().count('class="post card') == count


@pytest.mark.parametrize("count", [2, 12])
def test_post_page_query_count_is_constant(db, django_assert_num_queries, count):
    viewer = UserFactory()
    friend, posts = _fill(viewer, 1)
    post = posts[0]
    for _ in range(count):
        CommentFactory(post=post, author=friend)
        CommentFactory(post=post, author=viewer)
    client = page_for(viewer)
    # 1 session, 2 user, 3 post (+ author, comment count, photos, audience tags),
    # 4 visible comments with authors, 5 who can see this (the author's connections that
    # visible_to lets see it, one query), 6 the navigation's unread notification count.
    with django_assert_num_queries(6):
        response = client.get(f"/posts/{post.pk}/")
    assert response.content.decode().count('class="comment"') == 2 * count + 1


@pytest.mark.parametrize("count", [2, 12])
def test_profile_timeline_query_count_is_constant(db, django_assert_num_queries, count):
    viewer = UserFactory()
    friend, _posts = _fill(viewer, count)
    request = RequestFactory().get(f"/people/{friend.username}/")
    request.user = viewer
    # 1 posts (+ author, comment count, photos, the viewer's own audience tags).
    with django_assert_num_queries(1):
        context = profile_timeline_context(request, friend)
        html = render_to_string("social/_timeline.html", {**context, "user": viewer})
    assert html.count('class="post card') == count // 2


@pytest.mark.parametrize("count", [2, 12])
def test_profile_page_query_count_is_constant(db, django_assert_num_queries, count):
    viewer = UserFactory()
    friend, _posts = _fill(viewer, count)
    for name in ("climbing", "family", "work")[: 1 + count // 12 * 2]:
        tag = TagFactory(owner=viewer, name=name)
        TagMembershipFactory(tag=tag, target=friend)
    client = page_for(viewer)
    # 1 session, 2 user, 3 the person (blocks ruled out, the viewer's mute of them), 4 how the
    # viewer stands with them, 5 the viewer's tags, each marked if it labels them, 6 their
    # posts the viewer may see, 7 the navigation's unread notification count.
    with django_assert_num_queries(7):
        response = client.get(f"/people/{friend.username}/")
    html = response.content.decode()
    assert html.count('class="post card') == count // 2
    assert "climbing" in html and ("work" in html) == (count == 12)
