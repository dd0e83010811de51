"""Post, photo and comment services: validation, all-or-nothing photos, importance, deletes."""

import io
from pathlib import Path

import pytest
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.files.storage import default_storage
from PIL import Image

from connections.tests.factories import TagFactory
from social import services
from social.models import Comment, Photo, Post
from social.tests.factories import CommentFactory, PostFactory
from social.tests.helpers import image_bytes, network, upload


def stored_files(settings) -> list[Path]:
    root = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    return sorted(path for path in root.rglob("*") if path.is_file())


@pytest.fixture
def net(db):
    return network()


# --- Validation: a clear message, nothing half-saved --------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "field", "message"),
    [
        ({"body": ""}, "body", "Write something or add a photo."),
        ({"body": "   \n "}, "body", "Write something or add a photo."),
        ({"body": "x" * 5001}, "body", "at most 5,000 characters"),
        ({"body": "hi", "audience": "everyone"}, "audience", "Choose who can see this"),
        ({"body": "hi", "audience": "tags"}, "audience_tags", "at least one"),
    ],
)
def test_post_create_refuses_bad_fields(net, settings, arguments, field, message):
    with pytest.raises(ValidationError) as caught:
        services.post_create(author=net["author"], **arguments)
    assert message in caught.value.message_dict[field][0]
    assert not Post.objects.exists()


def test_post_create_accepts_exactly_5000_characters(net):
    post = services.post_create(author=net["author"], body="x" * 5000)
    assert len(post.body) == 5000


def test_tags_post_refuses_more_than_ten_tags(net):
    tags = [TagFactory(owner=net["author"]) for _ in range(11)]
    with pytest.raises(ValidationError) as caught:
        services.post_create(author=net["author"], body="hi", audience="tags", audience_tags=tags)
    assert "at most 10" in caught.value.message_dict["audience_tags"][0]
    assert not Post.objects.exists()


def test_tags_post_refuses_another_users_tag(net):
    theirs = TagFactory(owner=net["tagged"])
    with pytest.raises(ValidationError) as caught:
        services.post_create(
            author=net["author"],
            body="hi",
            audience="tags",
            audience_tags=[net["family"].pk, theirs.pk],
        )
    assert "your own tags" in caught.value.message_dict["audience_tags"][0]
    assert not Post.objects.exists()


def test_tags_post_stores_its_tags(net):
    post = services.post_create(
        author=net["author"], body="hi", audience="tags", audience_tags=[net["family"].pk]
    )
    assert list(post.audience_tags.all()) == [net["family"]]


def test_more_than_four_photos_is_refused(net, settings):
    with pytest.raises(ValidationError) as caught:
        services.post_create(author=net["author"], photos=[upload() for _ in range(5)])
    assert "at most 4 photos" in caught.value.message_dict["photos"][0]
    assert not Post.objects.exists()
    assert stored_files(settings) == []


@pytest.mark.parametrize(
    ("content", "code", "message"),
    [
        (b"%PDF-1.4 definitely not an image", "invalid", "not an image"),
        (image_bytes(size=(300, 300))[:400], "corrupt", "damaged or incomplete"),
    ],
)
def test_a_bad_file_among_good_ones_leaves_nothing_behind(net, settings, content, code, message):
    photos = [upload(), upload(content, name="evil.jpg"), upload()]
    with pytest.raises(ValidationError) as caught:
        services.post_create(author=net["author"], body="three photos", photos=photos)
    error = caught.value.error_dict["photos"][0]
    assert error.code == code
    assert error.messages[0].startswith("Photo 2:")
    assert message in error.messages[0]
    assert not Post.objects.exists()
    assert not Photo.objects.exists()
    assert stored_files(settings) == []


def test_an_image_over_the_byte_limit_is_refused(net, settings):
    settings.PHOTO_MAX_BYTES = 1000
    with pytest.raises(ValidationError) as caught:
        services.post_create(author=net["author"], photos=[upload(image_bytes(size=(400, 400)))])
    assert caught.value.error_dict["photos"][0].code == "too_large"
    assert not Post.objects.exists()


def test_an_image_over_the_pixel_limit_is_refused_before_decoding(net, settings):
    settings.PHOTO_MAX_PIXELS = 100 * 100
    content = image_bytes(size=(101, 100), fmt="PNG")
    with pytest.raises(ValidationError) as caught:
        services.post_create(author=net["author"], photos=[upload(content, name="big.png")])
    assert caught.value.error_dict["photos"][0].code == "too_many_pixels"
    assert not Post.objects.exists()


def test_storage_failure_creates_nothing_and_cleans_up(net, settings, monkeypatch):
    calls = {"n": 0}
    real_save = services.storage_save

    def flaky_save(**kwargs):
        calls["n"] += 1
        if calls["n"] == 3:  # the second photo's display version
            raise OSError("disk full")
        return real_save(**kwargs)

    monkeypatch.setattr(services, "storage_save", flaky_save)
    with pytest.raises(services.StorageUnavailable) as caught:
        services.post_create(author=net["author"], body="hi", photos=[upload(), upload()])
    assert "nothing was posted" in str(caught.value)
    assert not Post.objects.exists()
    assert not Photo.objects.exists()
    assert stored_files(settings) == []


# --- Photos -------------------------------------------------------------------------------------


def test_photos_are_rotated_stripped_and_stored_in_two_sizes(net, settings):
    content = image_bytes(size=(3000, 1000), orientation=6, gps=True)
    assert b"SecretCam" in content
    post = services.post_create(
        author=net["author"],
        body="",
        photos=[upload(content, name="../../etc/passwd.jpg"), upload(image_bytes(fmt="PNG"))],
    )
    first, second = post.photos.all()
    assert (first.position, second.position) == (0, 1)
    # Orientation 6: the 3000×1000 landscape is upright as 1000×3000, then fitted in 2048.
    assert (first.width, first.height) == (683, 2048)
    assert max(first.thumbnail_width, first.thumbnail_height) == 480
    files = stored_files(settings)
    assert len(files) == 4
    for path in files:
        raw = path.read_bytes()
        assert b"SecretCam" not in raw and b"Exif" not in raw
        image = Image.open(io.BytesIO(raw))
        assert not image.getexif()
        assert "exif" not in image.info
        assert "passwd" not in path.name
    display = Image.open(default_storage.open(first.display_key))
    assert display.size == (683, 2048)
    # The blue corner was top-left before rotating 90° clockwise: now it is top-right.
    assert display.convert("RGB").getpixel((680, 5))[2] > 200
    assert display.convert("RGB").getpixel((5, 5))[0] > 150


def test_deleting_a_post_deletes_its_files_after_commit(
    net, settings, django_capture_on_commit_callbacks
):
    post = services.post_create(author=net["author"], body="x", photos=[upload(), upload()])
    CommentFactory(post=post)
    assert len(stored_files(settings)) == 4
    with django_capture_on_commit_callbacks(execute=True):
        services.post_delete(user=net["author"], post_id=post.pk)
    assert not Post.objects.filter(pk=post.pk).exists()
    assert not Photo.objects.exists() and not Comment.objects.exists()
    assert stored_files(settings) == []


def test_a_failed_file_delete_is_retried_and_the_rows_stay_consistent(
    net, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from social import tasks

    post = services.post_create(author=net["author"], body="x", photos=[upload()])
    keys = [key for photo in post.photos.all() for key in photo.storage_keys()]
    real_delete = tasks.storage_delete
    monkeypatch.setattr(
        tasks, "storage_delete", lambda keys: (_ for _ in ()).throw(OSError("down"))
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.post_delete(user=net["author"], post_id=post.pk)
    # The rows are gone, the files wait for the retry (the worker retries with backoff).
    assert not Post.objects.filter(pk=post.pk).exists() and not Photo.objects.exists()
    assert len(stored_files(settings)) == 2
    assert tasks.storage_delete_files.autoretry_for == (Exception,)
    assert tasks.storage_delete_files.max_retries >= 5
    monkeypatch.setattr(tasks, "storage_delete", real_delete)
    tasks.storage_delete_files.apply(args=[keys]).get()
    assert stored_files(settings) == []
    tasks.storage_delete_files.apply(args=[keys]).get()  # idempotent: a second run is fine


def test_someone_elses_post_cannot_be_edited_or_deleted(net):
    post = PostFactory(author=net["author"])
    with pytest.raises(ObjectDoesNotExist):
        services.post_update(user=net["tagged"], post_id=post.pk, body="mine now")
    with pytest.raises(ObjectDoesNotExist):
        services.post_delete(user=net["tagged"], post_id=post.pk)
    post.refresh_from_db()
    assert post.body != "mine now"


# --- Updates and importance ---------------------------------------------------------------------


def test_post_update_sets_edited_at_only_on_change(net):
    post = services.post_create(author=net["author"], body="first")
    same = services.post_update(user=net["author"], post_id=post.pk, body="first")
    assert same.edited_at is None
    changed = services.post_update(
        user=net["author"], post_id=post.pk, audience="tags", audience_tags=[net["family"].pk]
    )
    assert changed.edited_at is not None
    assert list(changed.audience_tags.all()) == [net["family"]]
    back = services.post_update(user=net["author"], post_id=post.pk, audience="connections")
    assert back.audience == "connections" and not back.audience_tags.exists()


def test_post_update_validates_like_create(net):
    post = services.post_create(author=net["author"], body="first")
    with pytest.raises(ValidationError):
        services.post_update(user=net["author"], post_id=post.pk, body="")
    with pytest.raises(ValidationError):
        services.post_update(user=net["author"], post_id=post.pk, audience="tags")
    post.refresh_from_db()
    assert (post.body, post.audience, post.edited_at) == ("first", "connections", None)


@pytest.mark.parametrize(
    ("words", "photos", "commenters", "milestone", "expected"),
    [
        (0, 0, 0, False, 1.0),
        (25, 0, 0, False, 1.5),
        (500, 0, 0, False, 3.0),
        (0, 1, 0, False, 2.0),
        (0, 3, 0, False, 2.5),
        (0, 0, 3, False, 2.5),
        (0, 0, 9, False, 3.0),
        (0, 0, 0, True, 7.0),
        (500, 4, 9, True, 10.0),
    ],
)
def test_importance_formula(words, photos, commenters, milestone, expected):
    body = " ".join(["word"] * words)
    assert (
        services.post_importance(
            body=body, photo_count=photos, commenter_count=commenters, milestone=milestone
        )
        == expected
    )


def test_importance_follows_the_post_its_photos_and_comments(net):
    author, tagged, untagged = net["author"], net["tagged"], net["untagged"]
    post = services.post_create(author=author, body=" ".join(["w"] * 50), photos=[upload()])
    assert post.importance == 3.0  # 1 + 1 (50 words) + 1 (a photo)
    services.comment_create(author=tagged, post_id=post.pk, body="lovely")
    services.comment_create(author=tagged, post_id=post.pk, body="again")
    services.comment_create(author=author, post_id=post.pk, body="thanks")  # not counted
    post.refresh_from_db()
    assert post.importance == 3.5
    comment = services.comment_create(author=untagged, post_id=post.pk, body="wow")
    post.refresh_from_db()
    assert post.importance == 4.0
    services.comment_delete(user=author, comment_id=comment.pk)
    post.refresh_from_db()
    assert post.importance == 3.5
    services.post_update(user=author, post_id=post.pk, is_milestone=True)
    post.refresh_from_db()
    assert post.importance == 9.5


# --- Comments -----------------------------------------------------------------------------------


def test_comment_on_a_post_you_cannot_see_is_404(net):
    post = PostFactory(author=net["author"], audience="tags", audience_tags=[net["family"]])
    with pytest.raises(ObjectDoesNotExist):
        services.comment_create(author=net["untagged"], post_id=post.pk, body="hello?")
    with pytest.raises(ObjectDoesNotExist):
        services.comment_create(author=net["stranger"], post_id=post.pk, body="hello?")
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Write a comment first."),
        ("  ", "Write a comment first."),
        ("x" * 2001, "at most 2,000"),
    ],
)
def test_comment_body_is_validated(net, body, message):
    post = PostFactory(author=net["author"])
    with pytest.raises(ValidationError) as caught:
        services.comment_create(author=net["tagged"], post_id=post.pk, body=body)
    assert message in caught.value.message_dict["body"][0]
    assert not Comment.objects.exists()


def test_comment_delete_by_comment_author_or_post_author_only(net):
    post = PostFactory(author=net["author"])
    first = CommentFactory(post=post, author=net["tagged"])
    second = CommentFactory(post=post, author=net["tagged"])
    with pytest.raises(ObjectDoesNotExist):
        services.comment_delete(user=net["untagged"], comment_id=first.pk)
    services.comment_delete(user=net["tagged"], comment_id=first.pk)
    services.comment_delete(user=net["author"], comment_id=second.pk)
    assert not Comment.objects.exists()


def test_post_create_and_delete_count_in_metrics(net, django_capture_on_commit_callbacks):
    from intentional.metrics import POSTS_CREATED, POSTS_DELETED

    before_created, before_deleted = POSTS_CREATED._value.get(), POSTS_DELETED._value.get()
    with django_capture_on_commit_callbacks(execute=True):
        post = services.post_create(author=net["author"], body="counted")
        services.post_delete(user=net["author"], post_id=post.pk)
    assert POSTS_CREATED._value.get() == before_created + 1
    assert POSTS_DELETED._value.get() == before_deleted + 1


def test_user_posts_delete_removes_posts_and_files(
    net, settings, django_capture_on_commit_callbacks
):
    services.post_create(author=net["author"], body="a", photos=[upload()])
    services.post_create(author=net["author"], body="b")
    kept = services.post_create(author=net["tagged"], body="theirs", photos=[upload()])
    with django_capture_on_commit_callbacks(execute=True):
        assert services.user_posts_delete(user=net["author"]) == 2
    assert list(Post.objects.values_list("pk", flat=True)) == [kept.pk]
    assert len(stored_files(settings)) == 2
