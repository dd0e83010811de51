"""Staff moderation of posts, photos and comments in the admin: view and delete only."""

from pathlib import Path

import pytest
from django.test import Client

from social import services
from social.models import Comment, Photo, Post
from social.tests.factories import CommentFactory, UserFactory
from social.tests.helpers import upload


@pytest.fixture
def staff(db):
    user = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return client


def _files(settings) -> list[Path]:
    root = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    return [path for path in root.rglob("*") if path.is_file()]


def test_staff_view_posts_photos_comments_read_only(staff, settings):
    post = services.post_create(author=UserFactory(), body="<b>moderate me</b>", photos=[upload()])
    comment = CommentFactory(post=post)
    changelist = staff.get("/admin/social/post/")
    assert (
        changelist.status_code == 200
        and "&lt;b&gt;moderate me&lt;/b&gt;" in changelist.content.decode()
    )
    page = staff.get(f"/admin/social/post/{post.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert staff.get("/admin/social/post/add/").status_code == 403
    assert staff.get("/admin/social/photo/").status_code == 200
    assert staff.get(f"/admin/social/comment/{comment.pk}/change/").status_code == 200


def test_staff_delete_a_post_and_its_files(staff, settings, django_capture_on_commit_callbacks):
    post = services.post_create(author=UserFactory(), body="x", photos=[upload()])
    CommentFactory(post=post)
    assert len(_files(settings)) == 2
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(f"/admin/social/post/{post.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Post.objects.exists() and not Comment.objects.exists()
    assert _files(settings) == []


def test_staff_delete_a_photo_or_comment_refreshes_importance(
    staff, settings, django_capture_on_commit_callbacks
):
    post = services.post_create(author=UserFactory(), body="", photos=[upload()])
    photo = post.photos.get()
    comment = services.comment_create(author=post.author, post_id=post.pk, body="self")
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(f"/admin/social/photo/{photo.pk}/delete/", {"post": "yes"})
    staff.post(f"/admin/social/comment/{comment.pk}/delete/", {"post": "yes"})
    post.refresh_from_db()
    assert not Photo.objects.exists() and not Comment.objects.exists()
    assert post.importance == 1.0
    assert _files(settings) == []
