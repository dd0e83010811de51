"""People own their data (SPEC §7): the export holds everything a person owns and nothing of
anyone else's they could not see; deleting the account leaves nothing of theirs behind, in the
database or in storage. Pages, API and `manage.py export_user_data` alike."""

import io
import json
import re
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.apps import apps
from django.conf import settings as django_settings
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import models
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from connections.models import Block, Connection, Tag
from connections.tests.factories import (
    BlockFactory,
    InvitationFactory,
    MuteFactory,
    TagFactory,
    TagMembershipFactory,
    connect,
)
from digest.models import Digest, DigestEntry
from digest.summary import summary_basis
from social import services
from social.models import Comment, DataExport, Photo, Post, User
from social.tests.factories import PASSWORD, CommentFactory, PostFactory, UserFactory
from social.tests.helpers import (
    METADATA_IMAGES,
    SECRET,
    assert_pixels_only,
    image_bytes,
    metadata_upload,
    upload,
)
from social.tests.mfa import add_passkey, enable_totp

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    """`me` with a bit of everything, people around them, and things `me` may not see."""
    me = UserFactory(username="me", bio="My own bio")
    friend, other, gone, blocked, pending = (
        UserFactory(username=name) for name in ("friend", "other", "gone", "blocked", "pending")
    )
    connect(me, friend)
    connect(other, me)
    connect(me, gone)
    connect(me, pending, status=Connection.Status.PENDING)
    family = TagFactory(owner=me, name="family")
    TagMembershipFactory(tag=family, target=friend)
    services.user_set_avatar(user=me, upload=upload(image_bytes(size=(60, 60))))
    with django_capture_on_commit_callbacks(execute=True):
        photo_post = services.post_create(
            author=me,
            body="Our garden in May",
            photos=[upload(image_bytes(size=(300, 200))), upload(image_bytes(size=(50, 80)))],
        )
    tags_post = services.post_create(
        author=me, body="Family only", audience="tags", audience_tags=[family]
    )
    private_post = services.post_create(author=me, body="Note to self", audience="private")
    CommentFactory(post=photo_post, author=friend, body="Lovely garden, says friend")
    CommentFactory(post=photo_post, author=me, body="Thanks, says me")
    # Someone who commented and later stopped being a connection: `me` can no longer see it.
    CommentFactory(post=photo_post, author=gone, body="Comment by a former connection")
    Connection.objects.between(me, gone).delete()
    # A blocked commenter's words are hidden from `me` too.
    connect(me, blocked)
    CommentFactory(post=photo_post, author=blocked, body="Comment by someone me blocked")
    Connection.objects.between(me, blocked).delete()
    BlockFactory(blocker=me, blocked=blocked)
    BlockFactory(blocker=other, blocked=pending)  # someone else's block: not `me`'s data
    friends_post = PostFactory(author=friend, body="Friend's news for connections")
    friends_private = PostFactory(author=friend, body="Friend's secret", audience="private")
    my_comment = CommentFactory(post=friends_post, author=me, body="My comment on friend's post")
    friends_tag = TagFactory(owner=friend, name="friend's private tag")
    TagMembershipFactory(tag=friends_tag, target=me)
    invitation = InvitationFactory(inviter=me)
    InvitationFactory(inviter=friend)
    SocialAccount.objects.create(user=me, provider="google", uid="google-uid-of-me")
    SocialAccount.objects.create(user=friend, provider="google", uid="google-uid-of-friend")
    # Two-factor login (SPEC §11): an authenticator app, recovery codes and a passkey each.
    totp_secret, recovery_codes = enable_totp(me)
    add_passkey(me, "My laptop")
    enable_totp(friend)
    add_passkey(friend, "Friend's phone")
    now = timezone.now()
    digest = Digest.objects.create(
        user=me,
        week="2026-W05",
        starts_at=now - timedelta(days=7),
        ends_at=now,
        summary="Friend shared a moment.",
        summary_basis=summary_basis([friends_post]),
        built_at=now,
    )
    DigestEntry.objects.create(digest=digest, user=me, post=friends_post, position=0)
    hidden_digest = Digest.objects.create(
        user=me,
        week="2026-W04",
        starts_at=now - timedelta(days=14),
        ends_at=now - timedelta(days=7),
        summary="Friend shared their secret.",
        built_at=now,
    )
    DigestEntry.objects.create(digest=hidden_digest, user=me, post=friends_private, position=0)
    return {
        "me": User.objects.get(pk=me.pk),
        "friend": friend,
        "blocked": blocked,
        "posts": [photo_post, tags_post, private_post],
        "photo_post": photo_post,
        "friends_post": friends_post,
        "friends_private": friends_private,
        "my_comment": my_comment,
        "invitation": invitation,
        "totp_secret": totp_secret,
        "recovery_codes": recovery_codes,
    }


def _open_zip(content: bytes) -> tuple[dict, zipfile.ZipFile]:
    archive = zipfile.ZipFile(io.BytesIO(content))
    return json.loads(archive.read("data.json")), archive


def _zip_of(response) -> bytes:
    return b"".join(response.streaming_content)


# --- What the export holds --------------------------------------------------------------------


def test_export_holds_everything_the_person_owns(client, world):
    me = world["me"]
    client.force_login(me)
    response = client.post("/settings/export/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="intentional-export-me.zip"'
    data, archive = _open_zip(_zip_of(response))

    assert data["profile"]["username"] == "me"
    assert data["profile"]["email"] == me.email
    assert data["profile"]["bio"] == "My own bio"
    assert [address["email"] for address in data["email_addresses"]] == [me.email]
    assert data["linked_accounts"] == [
        {
            "provider": "google",
            "uid": "google-uid-of-me",
            "date_joined": data["linked_accounts"][0]["date_joined"],
            "last_login": data["linked_accounts"][0]["last_login"],
        }
    ]
    assert [
        (entry["type"], entry.get("name"), entry.get("passwordless"), entry.get("unused_codes"))
        for entry in data["authenticators"]
    ] == [
        ("totp", None, None, None),
        ("recovery_codes", None, None, 10),
        ("webauthn", "My laptop", True, None),
    ]
    assert all(entry["created_at"] and "last_used_at" in entry for entry in data["authenticators"])
    assert [post["id"] for post in data["posts"]] == [post.pk for post in world["posts"]]
    by_id = {post["id"]: post for post in data["posts"]}
    assert by_id[world["posts"][1].pk]["audience"] == "tags"
    assert by_id[world["posts"][1].pk]["audience_tags"] == ["family"]
    assert by_id[world["posts"][2].pk]["body"] == "Note to self"
    # Every photo file and the avatar are in the zip, byte for byte as stored.
    photos = Photo.objects.filter(post=world["photo_post"])  # audience-ok: test
    photos = list(photos.order_by("position"))
    exported = by_id[world["photo_post"].pk]["photos"]
    assert len(exported) == len(photos) == 2
    for entry, photo in zip(exported, photos, strict=True):
        with default_storage.open(photo.display_key) as stored:
            assert archive.read(entry["file"]) == stored.read()
    with default_storage.open(me.avatar_key) as stored:
        assert archive.read(data["profile"]["avatar"]) == stored.read()
    assert {c["body"] for c in data["comments"]} == {
        "Thanks, says me",
        "My comment on friend's post",
    }
    assert {(c["username"], c["status"]) for c in data["connections"]} == {
        ("friend", "accepted"),
        ("other", "accepted"),
        ("pending", "pending"),
    }
    assert [block["username"] for block in data["blocks"]] == ["blocked"]
    assert data["tags"] == [
        {"name": "family", "created_at": data["tags"][0]["created_at"], "members": ["friend"]}
    ]
    assert [invitation["token"] for invitation in data["invitations"]] == [
        world["invitation"].token
    ]
    weeks = {digest["week"]: digest for digest in data["digests"]}
    assert weeks["2026-W05"]["posts"] == [world["friends_post"].pk]
    assert weeks["2026-W05"]["summary"] == "Friend shared a moment."


def test_export_holds_only_the_clean_stored_images(client, django_capture_on_commit_callbacks):
    """Uploads full of metadata: the zip holds the stored, pixels-only files (SPEC §2, §7)."""
    me = UserFactory(username="me")
    services.user_set_avatar(user=me, upload=metadata_upload("jpeg comment"))
    cases = ["gif comment", "png with alpha, text and icc", "webp xmp and exif"]
    assert set(cases) <= set(METADATA_IMAGES)
    with django_capture_on_commit_callbacks(execute=True):
        services.post_create(
            author=me, body="Where", photos=[metadata_upload(case) for case in cases]
        )
    client.force_login(me)
    content = _zip_of(client.post("/settings/export/"))
    _data, archive = _open_zip(content)
    images = [name for name in archive.namelist() if name != "data.json"]
    assert len(images) == 4
    for name in images:
        assert_pixels_only(archive.read(name))
    assert SECRET not in archive.read("data.json").decode()


def test_export_shows_nothing_of_others_that_the_person_cannot_see(client, world):
    client.force_login(world["me"])
    data, archive = _open_zip(_zip_of(client.post("/settings/export/")))
    comments = {c["body"] for c in data["posts"][0]["comments"]}
    # Comments of others on the person's posts: only those CommentQuerySet.visible_to allows.
    assert comments == {"Lovely garden, says friend", "Thanks, says me"}
    text = json.dumps(data)
    for hidden in [
        "Comment by a former connection",
        "Comment by someone me blocked",
        "Friend's secret",
        "Friend shared their secret.",  # a digest summary written from a post now hidden
        "friend's private tag",
        "google-uid-of-friend",
        "Friend's news for connections",  # visible, but not theirs: a digest lists its id only
    ]:
        assert hidden not in text, hidden
    assert {digest["week"]: digest["posts"] for digest in data["digests"]}["2026-W04"] == []
    # Files: data.json, the avatar and this person's own photos, nothing else.
    own_photos = Photo.objects.filter(post__author=world["me"]).count()  # audience-ok: test
    assert len(archive.namelist()) == 1 + 1 + own_photos


def test_export_lists_authenticators_but_never_their_secrets(client, world):
    """What each second factor is, never what it holds: no TOTP secret, no recovery code nor
    the seed they come from, nothing of a passkey's credential (SPEC §11)."""
    me = world["me"]
    client.force_login(me)
    data, _archive = _open_zip(_zip_of(client.post("/settings/export/")))
    text = json.dumps(data)
    authenticators = {a.type: a for a in Authenticator.objects.filter(user=me)}
    credential = authenticators["webauthn"].data["credential"]
    secrets = [
        world["totp_secret"],
        authenticators["totp"].data["secret"],  # as stored (allauth's adapter may encrypt it)
        authenticators["recovery_codes"].data["seed"],
        *world["recovery_codes"],
        credential["id"],
        credential["response"]["attestationObject"],
        credential["response"]["clientDataJSON"],
    ]
    for secret in secrets:
        assert secret not in text
    assert {"secret", "seed", "credential", "data"}.isdisjoint(
        key for entry in data["authenticators"] for key in entry
    )
    # Only their own: the friend's passkey is not there.
    assert "Friend's phone" not in text


def test_export_api_returns_the_same_zip(auth_api):
    post = services.post_create(author=auth_api.user, body="API export", photos=[upload()])
    response = auth_api.get("/api/v1/me/export/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    filename = f"intentional-export-{auth_api.user.username}.zip"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    data, archive = _open_zip(_zip_of(response))
    assert [entry["id"] for entry in data["posts"]] == [post.pk]
    assert data["posts"][0]["photos"][0]["file"] in archive.namelist()


def test_export_needs_a_signed_in_person(client, api_client):
    assert client.post("/settings/export/").status_code == 302
    response = api_client.get("/api/v1/me/export/")
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "not_authenticated"


def test_settings_page_has_the_export_and_delete_forms(client, user):
    client.force_login(user)
    html = client.get("/settings/").content.decode()
    section = html[html.index("Your data") :]
    assert re.search(r'<form method="post" action="/settings/export/">', section)
    assert "Export my data</button>" in section
    assert 'action="/settings/delete/"' in html
    assert '<label for="id_password">Password</label>' in html
    assert "Delete my account</button>" in html


# --- Large accounts: built by a Celery task, emailed, downloaded --------------------------------


def test_large_account_export_is_built_in_the_background_and_emailed(
    client, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_SYNC_MAX_PHOTOS = 1
    me = UserFactory(username="bigaccount")
    services.post_create(author=me, body="Two photos", photos=[upload(), upload()])
    client.force_login(me)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/settings/export/")
    assert response.status_code == 302
    export = DataExport.objects.get(user=me)
    assert export.status == DataExport.Status.READY
    assert default_storage.exists(export.file_key)
    assert len(mail.outbox) == 1
    link = f"{django_settings.SITE_URL}/settings/export/{export.pk}/"
    assert link in mail.outbox[0].body
    page = client.get("/settings/").content.decode()
    assert f'href="/settings/export/{export.pk}/"' in page
    download = client.get(f"/settings/export/{export.pk}/")
    assert download.status_code == 200
    assert download["Content-Disposition"] == (
        'attachment; filename="intentional-export-bigaccount.zip"'
    )
    data, archive = _open_zip(_zip_of(download))
    assert len(data["posts"][0]["photos"]) == 2
    # Nobody else can fetch it: answered like a missing one.
    client.force_login(UserFactory())
    assert client.get(f"/settings/export/{export.pk}/").status_code == 404


def test_export_build_is_idempotent(settings, django_capture_on_commit_callbacks):
    from social.exports import export_build

    settings.EXPORT_SYNC_MAX_PHOTOS = 0
    me = UserFactory()
    services.post_create(author=me, body="One photo", photos=[upload()])
    with django_capture_on_commit_callbacks(execute=True):
        from social.exports import export_request

        export = export_request(user=me)
        # A second click while it is being prepared reuses the same export.
        assert export_request(user=me).pk == export.pk
    export_build(export_id=export.pk)  # a retried or duplicated task
    export.refresh_from_db()
    assert DataExport.objects.filter(user=me).count() == 1
    assert len(mail.outbox) == 1
    _, files = default_storage.listdir("exports")
    assert files == [Path(export.file_key).name]


def test_large_account_export_over_the_api_is_202(auth_api, settings):
    settings.EXPORT_SYNC_MAX_PHOTOS = 0
    services.post_create(author=auth_api.user, body="A photo", photos=[upload()])
    response = auth_api.get("/api/v1/me/export/")
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "pending"  # built after the commit, then emailed
    assert body["url"] is None
    assert DataExport.objects.filter(user=auth_api.user).count() == 1


def test_export_user_data_command_writes_the_zip(world, tmp_path):
    target = tmp_path / "out.zip"
    out = io.StringIO()
    call_command("export_user_data", "ME", "--output", str(target), stdout=out)
    data, archive = _open_zip(target.read_bytes())
    assert data["profile"]["username"] == "me"
    assert "data.json: 3 posts" in out.getvalue()
    assert "Done:" in out.getvalue()
    with pytest.raises(CommandError, match="No user"):
        call_command("export_user_data", "nobody", "--output", str(tmp_path / "x.zip"))
    with pytest.raises(CommandError, match="already exists"):
        call_command("export_user_data", "me", "--output", str(target))


# --- Deleting the account -----------------------------------------------------------------------


def _rows_referring_to(user_id: int) -> dict[str, int]:
    """Every row of every model with a foreign key to the user model pointing at `user_id`."""
    found = {}
    user_model = apps.get_model(django_settings.AUTH_USER_MODEL)
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.ForeignKey) and field.related_model is user_model:
                count = model._base_manager.filter(**{field.attname: user_id}).count()
                if count:
                    found[f"{model._meta.label}.{field.name}"] = count
    return found


def _stored_files() -> set[str]:
    root = Path(default_storage.location)
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


def test_deleting_the_account_leaves_nothing_behind(
    client, world, settings, django_capture_on_commit_callbacks
):
    me = world["me"]
    # A background export and an issued API token belong to the person too.
    settings.EXPORT_SYNC_MAX_PHOTOS = 0
    with django_capture_on_commit_callbacks(execute=True):
        from social.exports import export_request

        export_request(user=me)
    RefreshToken.for_user(me)
    assert Authenticator.objects.filter(user=me).count() == 3
    my_files = {me.avatar_key, DataExport.objects.get(user=me).file_key}
    for photo in Photo.objects.filter(post__author=me):  # audience-ok: test
        my_files |= set(photo.storage_keys())
    assert my_files <= _stored_files()
    friends_files = _stored_files() - my_files

    client.force_login(me)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/settings/delete/", {"password": PASSWORD}, follow=True)
    assert response.redirect_chain == [("/", 302)]
    assert "Your account and everything in it are deleted." in response.content.decode()
    assert not response.context["user"].is_authenticated

    assert not User.objects.filter(pk=me.pk).exists()
    assert _rows_referring_to(me.pk) == {}
    my_posts = [post.pk for post in world["posts"]]
    assert not Post.objects.filter(pk__in=my_posts).exists()  # audience-ok: test
    assert not Comment.objects.filter(pk=world["my_comment"].pk).exists()  # audience-ok: test
    assert not Connection.objects.of(me.pk).exists()
    assert not Block.objects.filter(blocked_id=me.pk).exists()
    assert not Tag.objects.owned_by(me.pk).exists()
    # Their authenticators and the secrets in them (by ON DELETE CASCADE); the friend's stay.
    assert not Authenticator.objects.filter(user_id=me.pk).exists()
    assert Authenticator.objects.filter(user=world["friend"]).count() == 3
    assert _stored_files() == friends_files
    # Everyone else's things stay.
    assert Post.objects.filter(pk=world["friends_post"].pk).exists()  # audience-ok: test
    assert User.objects.filter(pk=world["friend"].pk).exists()


def test_deleting_recomputes_the_importance_of_posts_they_commented(
    django_capture_on_commit_callbacks,
):
    author, commenter = UserFactory(), UserFactory()
    connect(author, commenter)
    post = services.post_create(author=author, body="hello")
    services.comment_create(author=commenter, post_id=post.pk, body="hi")
    post.refresh_from_db()
    assert post.importance == 1.52
    with django_capture_on_commit_callbacks(execute=True):
        services.user_delete(user=commenter)
    post.refresh_from_db()
    assert post.importance == 1.02


def test_wrong_password_keeps_the_account_and_says_so_next_to_the_field(client, user):
    client.force_login(user)
    response = client.post("/settings/delete/", {"password": "not it"})
    assert response.status_code == 400
    html = response.content.decode()
    field = html[html.index('<label for="id_password">') :]
    field = field[: field.index("</div>", field.index("field-error"))]
    assert "That is not your password." in field
    assert User.objects.filter(pk=user.pk).exists()
    assert client.get("/settings/").status_code == 200  # still signed in


def test_delete_page_accepts_only_post(client, user):
    client.force_login(user)
    assert client.get("/settings/delete/").status_code == 405


def test_api_delete_needs_the_password(auth_api):
    response = auth_api.delete("/api/v1/me/", {"password": "not it"}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "validation_error"
    assert error["fields"]["password"] == ["That is not your password."]
    response = auth_api.delete("/api/v1/me/", {}, format="json")
    assert response.status_code == 400
    assert "password" in response.json()["error"]["fields"]
    assert User.objects.filter(pk=auth_api.user.pk).exists()


def test_api_delete_removes_the_account_and_its_tokens(
    auth_api, django_capture_on_commit_callbacks
):
    me = auth_api.user
    services.post_create(author=me, body="bye", photos=[upload()])
    refresh = RefreshToken.for_user(me)
    with django_capture_on_commit_callbacks(execute=True):
        response = auth_api.delete("/api/v1/me/", {"password": PASSWORD}, format="json")
    assert response.status_code == 204
    assert _rows_referring_to(me.pk) == {}
    assert _stored_files() == set()
    assert auth_api.get("/api/v1/me/").status_code == 401
    again = auth_api.post("/api/v1/auth/token/refresh/", {"refresh": str(refresh)}, format="json")
    assert again.status_code == 401


def test_a_storage_failure_after_deletion_keeps_the_database_consistent(
    auth_api, django_capture_on_commit_callbacks, monkeypatch
):
    """Files are deleted after the commit; a failing storage is retried, never undoes it."""
    me = auth_api.user
    services.post_create(author=me, body="bye", photos=[upload()])
    default_storage.save("avatars/x.jpg", ContentFile(b"x"))

    def broken(*args, **kwargs):
        raise OSError("storage is down")

    monkeypatch.setattr(default_storage, "delete", broken)
    with django_capture_on_commit_callbacks(execute=True):
        response = auth_api.delete("/api/v1/me/", {"password": PASSWORD}, format="json")
    assert response.status_code == 204
    assert _rows_referring_to(me.pk) == {}


def test_an_account_without_a_password_is_told_to_set_one_first(client, user):
    user.set_unusable_password()
    user.save()
    client.force_login(user)
    response = client.post("/settings/delete/", {"password": "anything"})
    assert response.status_code == 400
    assert "Set a password first" in response.content.decode()
    assert User.objects.filter(pk=user.pk).exists()


def test_an_export_whose_task_gave_up_does_not_block_the_next_one(
    settings, django_capture_on_commit_callbacks
):
    from social.exports import export_request

    settings.EXPORT_SYNC_MAX_PHOTOS = 0
    me = UserFactory()
    stuck = DataExport.objects.create(user=me, created_at=timezone.now() - timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        export = export_request(user=me)
    assert export.pk != stuck.pk
    stuck.refresh_from_db()
    export.refresh_from_db()
    assert (stuck.status, export.status) == ("failed", "ready")


@pytest.mark.parametrize("size", [1, 6])
def test_export_data_takes_the_same_number_of_queries_whatever_the_account_size(
    size, django_assert_num_queries
):
    from social.exports import export_data

    me = UserFactory()
    for _ in range(size):
        friend = UserFactory()
        connect(me, friend)
        tag = TagFactory(owner=me)
        TagMembershipFactory(tag=tag, target=friend)
        post = PostFactory(author=me, audience="tags", audience_tags=[tag])
        comment = CommentFactory(post=post, author=friend)
        services.comment_notify(comment_id=comment.pk)
        CommentFactory(post=PostFactory(author=friend), author=me)
        BlockFactory(blocker=me)
        MuteFactory(muter=me)
        InvitationFactory(inviter=me, used_by=friend)
        add_passkey(me, f"Key {_}")
    enable_totp(me)
    # The user; posts with their audience tags, photos and visible comments (4); own comments;
    # email addresses; linked accounts; authenticators; connections; blocks; mutes;
    # notifications and their visible actors (2); tags with memberships and their people (3);
    # invitations; digest memories, digest entries and digests (3).
    with django_assert_num_queries(21):
        data = export_data(user=me)
    assert len(data["posts"]) == size and len(data["tags"]) == size
    assert len(data["authenticators"]) == size + 2
    assert len(data["mutes"]) == size and len(data["notifications"]) == size


def test_asking_again_within_the_hour_reuses_the_ready_export(
    client, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_SYNC_MAX_PHOTOS = 0
    me = UserFactory()
    services.post_create(author=me, body="One photo", photos=[upload()])
    client.force_login(me)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/settings/export/")
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post("/settings/export/", follow=True)
    assert "Your export is ready: download it below." in again.content.decode()
    assert DataExport.objects.filter(user=me).count() == 1
    assert len(mail.outbox) == 1
    api = APIClient()
    api.force_authenticate(me)
    body = api.get("/api/v1/me/export/").json()
    export = DataExport.objects.get(user=me)
    assert body["status"] == "ready"
    assert body["url"] == f"http://testserver/settings/export/{export.pk}/"
