"""The authorization sweep (issue 7, acceptance 1): every route of the pages and the API that
takes an object id or a username, tried by an unrelated second person.

The URLconf is enumerated: a route with a parameter that is in neither `SWEEP` nor `EXEMPT`
fails the test, so a new route cannot slip by. For each case the stranger gets 404 (SPEC §3:
answered exactly like a missing object, compared with a request for an id that does not
exist), nothing of the object appears in the body, and nothing of the owner's changes.
Routes that are open to anyone by design (a profile, asking to connect) say why and are still
checked for leaks.
"""

import re
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.views import APIView
from rest_framework_simplejwt.tokens import RefreshToken

from connections.models import Block, Connection, Tag, TagMembership
from connections.tests.factories import (
    InvitationFactory,
    TagFactory,
    TagMembershipFactory,
    connect,
)
from digest.models import Digest, DigestEntry
from social import services
from social.models import Comment, DataExport, Notification, Photo, Post, User
from social.tests.factories import PASSWORD, CommentFactory, UserFactory
from social.tests.helpers import upload
from social.tests.mfa import add_passkey, enable_totp

pytestmark = pytest.mark.django_db

MISSING_ID = 987654321
MISSING_USERNAME = "no_such_person"


@dataclass
class Case:
    method: str
    # Placeholders: {post} {comment} {photo} {tag} {request} {export} {notification} {owner}
    # {member} {week} {token} {passkey}; {api} is "/api/v1".
    url: str
    expect: int = 404
    data: dict = field(default_factory=dict)
    # Why a route answers a stranger with something else than 404 (open by design).
    public: str = ""
    # The stranger has just confirmed their password, as allauth asks before changing anything
    # of two-factor login (without it every such route answers a redirect, whoever asks).
    reauthenticated: bool = False


OPEN_PROFILE = "profiles are found by exact username (SPEC §6); bio, avatar and posts hidden"
OPEN_CONNECT = "anyone may ask anyone to connect (SPEC §2)"
OPEN_BLOCK = "anyone may block anyone (SPEC §2)"
OPEN_MUTE = "anyone may quietly mute anyone they can find (SPEC §8); the muted are not told"
OWN_DIGEST = "the parameter is a week: the viewer's own digest, never someone else's"
OPEN_INVITE = "an invitation link is meant to be passed on: the token is the permission"
OWN_SEARCH = "search answers the viewer's own question from visible_to (SPEC §9): 200 and nothing"
OWN_2FA = "two-factor set-up names no one: it only ever acts on the viewer's own account"

# Route (as the URLconf spells it) → what the stranger tries.
SWEEP: dict[str, list[Case]] = {
    # Pages
    "posts/<int:pk>/": [Case("GET", "/posts/{post}/")],
    "posts/<int:pk>/edit/": [
        Case("GET", "/posts/{post}/edit/"),
        Case("POST", "/posts/{post}/edit/", data={"body": "hijacked", "audience": "connections"}),
    ],
    "posts/<int:pk>/delete/": [Case("POST", "/posts/{post}/delete/")],
    "posts/<int:pk>/comments/": [Case("POST", "/posts/{post}/comments/", data={"body": "hi"})],
    "comments/<int:pk>/delete/": [Case("POST", "/comments/{comment}/delete/")],
    "photos/<int:pk>/<str:variant>/": [
        Case("GET", "/photos/{photo}/display/"),
        Case("GET", "/photos/{photo}/thumb/"),
    ],
    "settings/export/<int:pk>/": [Case("GET", "/settings/export/{export}/")],
    "people/<str:username>/avatar/": [Case("GET", "/people/{owner}/avatar/")],
    "people/requests/<int:pk>/accept/": [Case("POST", "/people/requests/{request}/accept/")],
    "people/requests/<int:pk>/decline/": [Case("POST", "/people/requests/{request}/decline/")],
    "people/requests/<int:pk>/cancel/": [Case("POST", "/people/requests/{request}/cancel/")],
    "people/<str:username>/": [Case("GET", "/people/{owner}/", 200, public=OPEN_PROFILE)],
    "people/<str:username>/connect/": [
        Case("POST", "/people/{owner}/connect/", 302, public=OPEN_CONNECT)
    ],
    "people/<str:username>/remove/": [Case("POST", "/people/{owner}/remove/")],
    "people/<str:username>/block/": [
        Case("POST", "/people/{owner}/block/", 302, public=OPEN_BLOCK)
    ],
    "people/<str:username>/unblock/": [Case("POST", "/people/{owner}/unblock/")],
    "people/<str:username>/mute/": [
        Case("POST", "/people/{owner}/mute/", 302, data={"for": "30d"}, public=OPEN_MUTE)
    ],
    "people/<str:username>/unmute/": [Case("POST", "/people/{owner}/unmute/")],
    "notifications/<int:pk>/": [Case("GET", "/notifications/{notification}/")],
    "invite/<str:token>/": [Case("GET", "/invite/{token}/", 302, public=OPEN_INVITE)],
    "tags/<int:pk>/rename/": [Case("POST", "/tags/{tag}/rename/", data={"name": "hijacked"})],
    "tags/<int:pk>/delete/": [Case("POST", "/tags/{tag}/delete/")],
    "tags/<int:pk>/members/": [Case("POST", "/tags/{tag}/members/", data={"username": "{member}"})],
    "tags/<int:pk>/members/<str:username>/remove/": [
        Case("POST", "/tags/{tag}/members/{member}/remove/")
    ],
    "digest/<str:week>/": [Case("GET", "/digest/{week}/", 200, public=OWN_DIGEST)],
    # No parameter in the route, but a search for the owner's words.
    "search/": [Case("GET", "/search/?q=7431", 200, public=OWN_SEARCH)],
    # Two-factor login (allauth.mfa, SPEC §11): someone else's passkey.
    "accounts/2fa/webauthn/keys/<int:pk>/edit/": [
        Case("GET", "/accounts/2fa/webauthn/keys/{passkey}/edit/", reauthenticated=True),
        Case(
            "POST",
            "/accounts/2fa/webauthn/keys/{passkey}/edit/",
            data={"name": "hijacked"},
            reauthenticated=True,
        ),
    ],
    "accounts/2fa/webauthn/keys/<int:pk>/remove/": [
        Case("GET", "/accounts/2fa/webauthn/keys/{passkey}/remove/", reauthenticated=True),
        Case("POST", "/accounts/2fa/webauthn/keys/{passkey}/remove/", reauthenticated=True),
    ],
    # API
    "api/v1/users/<str:username>/": [Case("GET", "{api}/users/{owner}/", 200, public=OPEN_PROFILE)],
    "api/v1/connections/requests/<int:pk>/": [
        Case("DELETE", "{api}/connections/requests/{request}/")
    ],
    "api/v1/connections/requests/<int:pk>/accept/": [
        Case("POST", "{api}/connections/requests/{request}/accept/")
    ],
    "api/v1/connections/requests/<int:pk>/decline/": [
        Case("POST", "{api}/connections/requests/{request}/decline/")
    ],
    "api/v1/connections/<str:username>/": [Case("DELETE", "{api}/connections/{owner}/")],
    "api/v1/blocks/<str:username>/": [Case("DELETE", "{api}/blocks/{owner}/")],
    "api/v1/mutes/<str:username>/": [Case("DELETE", "{api}/mutes/{owner}/")],
    "api/v1/tags/<int:pk>/": [
        Case("PATCH", "{api}/tags/{tag}/", data={"name": "hijacked"}),
        Case("DELETE", "{api}/tags/{tag}/"),
    ],
    "api/v1/tags/<int:pk>/members/<str:username>/": [
        Case("PUT", "{api}/tags/{tag}/members/{member}/"),
        Case("DELETE", "{api}/tags/{tag}/members/{member}/"),
    ],
    "api/v1/posts/<int:pk>/": [
        Case("GET", "{api}/posts/{post}/"),
        Case("PATCH", "{api}/posts/{post}/", data={"body": "hijacked"}),
        Case("DELETE", "{api}/posts/{post}/"),
    ],
    "api/v1/posts/<int:pk>/photos/<int:photo_id>/": [
        Case("PATCH", "{api}/posts/{post}/photos/{photo}/", data={"alt": "hijacked"})
    ],
    "api/v1/posts/<int:pk>/comments/": [
        Case("GET", "{api}/posts/{post}/comments/"),
        Case("POST", "{api}/posts/{post}/comments/", data={"body": "hi"}),
    ],
    "api/v1/comments/<int:pk>/": [Case("DELETE", "{api}/comments/{comment}/")],
    "api/v1/digest/<str:week>/": [Case("GET", "{api}/digest/{week}/", 200, public=OWN_DIGEST)],
    "api/v1/tags/<int:pk>/members/<str:username>/preview/": [
        Case("GET", "{api}/tags/{tag}/members/{member}/preview/")
    ],
    "api/v1/audience/preview/": [
        Case("POST", "{api}/audience/preview/", data={"audience": "connections", "post": "{post}"})
    ],
    "api/v1/search/": [Case("GET", "{api}/search/?q=7431", 200, public=OWN_SEARCH)],
    # No parameter either: the stranger's own (absent) authenticator app, never the owner's.
    "api/v1/me/2fa/totp/": [
        Case("POST", "{api}/me/2fa/totp/", 200, public=OWN_2FA),
        Case("DELETE", "{api}/me/2fa/totp/", 404, data={"code": "123456"}, public=OWN_2FA),
    ],
    "api/v1/me/2fa/totp/confirm/": [
        Case("POST", "{api}/me/2fa/totp/confirm/", 400, data={"code": "123456"}, public=OWN_2FA)
    ],
}

# Route prefixes with parameters that are not a person's object, and why.
EXEMPT = {
    "admin/": "staff only: every admin URL redirects a non-staff person to the admin login "
    "(intentional/tests/test_admin.py and the apps' admin tests)",
    # Its regular-expression routes; /accounts/2fa/ is swept (SWEEP, TWO_FACTOR_ROUTES).
    "accounts/^": "django-allauth's emailed links (password reset, email confirmation): a "
    "signed key in the URL is the permission",
    "digest/unsubscribe/<str:token>/": "the one-click unsubscribe link works without logging "
    "in (SPEC §5): the signed token is the permission",
    "notifications/unsubscribe/<str:token>/": "the notification emails' one-click unsubscribe "
    "works without logging in (SPEC §8): the signed token is the permission",
}


def _routes(patterns, prefix=""):
    """(route, URLPattern) for every pattern of the URLconf, includes flattened."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def _all_routes() -> dict[str, URLPattern]:
    return dict(_routes(get_resolver().url_patterns))


def _parametrized_routes() -> dict[str, URLPattern]:
    return {
        route: pattern for route, pattern in _all_routes().items() if "<" in route or "(?P" in route
    }


def test_every_route_with_an_id_or_username_is_swept():
    routes = _parametrized_routes()
    uncovered = [
        route
        for route in routes
        if route not in SWEEP and not any(route.startswith(prefix) for prefix in EXEMPT)
    ]
    assert uncovered == [], f"add these routes to SWEEP (or EXEMPT, saying why): {uncovered}"
    stale = [route for route in SWEEP if route not in _all_routes()]
    assert stale == [], f"SWEEP names routes that no longer exist: {stale}"


def test_every_api_method_of_a_swept_route_is_tried():
    routes = _all_routes()
    missing = []
    for route, cases in SWEEP.items():
        view_class = getattr(routes[route].callback, "view_class", None)
        if view_class is None or not issubclass(view_class, APIView):
            continue  # function views: the table lists what they accept
        handled = {
            method.upper()
            for method in ("get", "post", "put", "patch", "delete")
            if hasattr(view_class, method)
        }
        tried = {case.method for case in cases}
        missing += [f"{method} {route}" for method in sorted(handled - tried)]
    assert missing == []


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    """The owner's things (with secrets in them), and an unrelated stranger."""
    owner = UserFactory(username="owner_person", bio="SECRET-BIO-7431")
    member = UserFactory(username="member_person")
    asked = UserFactory(username="asked_person")
    # Joined years ago: the week asked for (2026-W05) is one of theirs, with a digest page.
    stranger = UserFactory(
        username="stranger_person", date_joined=timezone.now() - timedelta(days=3650)
    )
    connect(owner, member)
    request = connect(owner, asked, status=Connection.Status.PENDING)
    tag = TagFactory(owner=owner, name="SECRET-TAG-7431")
    TagMembershipFactory(tag=tag, target=member)
    services.user_set_avatar(user=owner, upload=upload())
    with django_capture_on_commit_callbacks(execute=True):
        post = services.post_create(
            author=owner, body="SECRET-POST-7431", photos=[upload()], photo_alts=["SECRET-ALT-7431"]
        )
    comment = CommentFactory(post=post, author=member, body="SECRET-COMMENT-7431")
    services.comment_notify(comment_id=comment.pk)  # the owner's notification of it
    photo = Photo.objects.get(post=post)  # audience-ok: test set-up
    key = default_storage.save("exports/secret-export.zip", ContentFile(b"zip"))
    export = DataExport.objects.create(user=owner, status="ready", file_key=key)
    invitation = InvitationFactory(inviter=owner)
    totp_secret, recovery_codes = enable_totp(owner)
    passkey = add_passkey(owner, "SECRET-KEY-7431")
    now = timezone.now()
    week = "2026-W05"
    digest = Digest.objects.create(
        user=owner,
        week=week,
        starts_at=now - timedelta(days=7),
        ends_at=now,
        summary="SECRET-SUMMARY-7431",
        built_at=now,
    )
    DigestEntry.objects.create(digest=digest, user=member, post=post, position=0)
    ids = {
        "post": post.pk,
        "comment": comment.pk,
        "photo": photo.pk,
        "tag": tag.pk,
        "request": request.pk,
        "export": export.pk,
        "notification": Notification.objects.get(recipient=owner).pk,
        "owner": owner.username,
        "member": member.username,
        "week": week,
        "token": invitation.token,
        "passkey": passkey.pk,
        "api": "/api/v1",
    }
    secrets = [
        "SECRET-BIO-7431",
        "SECRET-TAG-7431",
        "SECRET-POST-7431",
        "SECRET-COMMENT-7431",
        "SECRET-ALT-7431",
        "SECRET-SUMMARY-7431",
        owner.avatar_key,
        photo.display_key,
        photo.thumbnail_key,
        key,
        asked.username,  # who the owner asked to connect
        "SECRET-KEY-7431",  # the owner's passkey, and what protects their login
        totp_secret,
        *recovery_codes,
    ]
    return {"owner": owner, "stranger": stranger, "ids": ids, "secrets": secrets}


def _snapshot(owner: User):
    """What the owner has: a stranger's request must change none of it."""
    posts = Post.objects.filter(author=owner)  # audience-ok: test
    comments = Comment.objects.filter(post__author=owner)  # audience-ok: test
    return (
        list(posts.values_list("pk", "body", "audience")),
        list(comments.values_list("pk", "body")),
        list(Photo.objects.filter(post__author=owner).values_list("pk", "alt")),  # audience-ok
        list(Tag.objects.owned_by(owner).values_list("pk", "name")),
        list(TagMembership.objects.filter(tag__owner=owner).values_list("pk", flat=True)),
        sorted(Connection.objects.of(owner).values_list("pk", "status")),
        list(Block.objects.filter(blocker=owner).values_list("pk", flat=True)),
        list(DataExport.objects.filter(user=owner).values_list("pk", "status")),
        list(Notification.objects.filter(recipient=owner).values_list("pk", "read_at")),
        list(Authenticator.objects.filter(user=owner).values_list("pk", "data", "last_used_at")),
    )


def _request(client, case: Case, values: dict):
    url = case.url.format(**values)
    data = {key: value.format(**values) for key, value in case.data.items()}
    method = getattr(client, case.method.lower())
    if url.startswith("/api/"):
        return method(url, data, format="json") if data or case.method != "GET" else method(url)
    return method(url, data) if case.method != "GET" else method(url)


def _normalized(response, *value_sets: dict) -> str:
    """The body with what differs between any two requests (CSRF tokens, the ids asked
    about) blanked out, to compare the answer for a hidden object with a missing one. Both
    answers are blanked with both sets of ids, so a number that happens to be in the page
    anyway is treated alike on both sides."""
    text = _body(response)
    text = re.sub(r'value="[A-Za-z0-9]{32,}"', 'value=""', text)
    values = sorted({str(value) for values in value_sets for value in values.values()}, key=len)
    for value in reversed(values):  # longest first: "12" must not eat into "123"
        text = re.sub(rf"(?<![A-Za-z0-9_-]){re.escape(value)}(?![A-Za-z0-9_-])", "•", text)
    return text


def _body(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return body.decode(errors="replace")


CASES = [
    pytest.param(case, id=f"{case.method} {case.url}") for cases in SWEEP.values() for case in cases
]


@pytest.mark.parametrize("case", CASES)
def test_a_stranger_gets_nothing(case, world, client, settings):
    settings.RATELIMIT_ENABLE = False
    stranger = world["stranger"]
    if case.url.startswith("{api}"):
        client = APIClient()
        token = RefreshToken.for_user(stranger).access_token
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    else:
        client.force_login(stranger)
        if case.reauthenticated:
            assert _reauthenticate(client).status_code == 302
    before = _snapshot(world["owner"])

    response = _request(client, case, world["ids"])

    assert response.status_code == case.expect, _body(response)[:500]
    body = _body(response)
    for secret in world["secrets"]:
        assert secret not in body, secret
    if case.public:
        return
    assert _snapshot(world["owner"]) == before
    # Exactly like an object that does not exist.
    missing = {
        **world["ids"],
        **dict.fromkeys(
            ("post", "comment", "photo", "tag", "request", "export", "notification", "passkey"),
            MISSING_ID,
        ),
        "owner": MISSING_USERNAME,
    }
    answer_for_missing = _request(client, case, missing)
    assert answer_for_missing.status_code == response.status_code
    ids = (world["ids"], missing)
    assert _normalized(answer_for_missing, *ids) == _normalized(response, *ids)


def _reauthenticate(client):
    """Confirm the password, as allauth asks before two-factor settings change."""
    return client.post("/accounts/reauthenticate/", {"password": PASSWORD})


# --- Two-factor login (allauth.mfa under /accounts/2fa/, SPEC §11) -----------------------------

# Every route under /accounts/2fa/ (with or without a parameter) → the URL tried. Each is for
# the signed-in person's own authenticators: anonymous, it sends to the login page (the second
# step of logging in and the passkey login included: without a password step or a passkey they
# have nothing to show); signed in, it shows nothing of anyone else's.
TWO_FACTOR_ROUTES = {
    "accounts/2fa/": "/accounts/2fa/",
    "accounts/2fa/authenticate/": "/accounts/2fa/authenticate/",
    "accounts/2fa/reauthenticate/": "/accounts/2fa/reauthenticate/",
    "accounts/2fa/totp/activate/": "/accounts/2fa/totp/activate/",
    "accounts/2fa/totp/deactivate/": "/accounts/2fa/totp/deactivate/",
    "accounts/2fa/recovery-codes/": "/accounts/2fa/recovery-codes/",
    "accounts/2fa/recovery-codes/generate/": "/accounts/2fa/recovery-codes/generate/",
    "accounts/2fa/recovery-codes/download/": "/accounts/2fa/recovery-codes/download/",
    "accounts/2fa/webauthn/": "/accounts/2fa/webauthn/",
    "accounts/2fa/webauthn/add/": "/accounts/2fa/webauthn/add/",
    "accounts/2fa/webauthn/reauthenticate/": "/accounts/2fa/webauthn/reauthenticate/",
    "accounts/2fa/webauthn/keys/<int:pk>/edit/": "/accounts/2fa/webauthn/keys/{passkey}/edit/",
    "accounts/2fa/webauthn/keys/<int:pk>/remove/": (
        "/accounts/2fa/webauthn/keys/{passkey}/remove/"
    ),
    "accounts/2fa/webauthn/login/": "/accounts/2fa/webauthn/login/",
}


def test_every_two_factor_route_is_in_the_table():
    routes = [route for route in _all_routes() if route.startswith("accounts/2fa/")]
    assert routes, "allauth.mfa's URLs are not mounted"
    assert sorted(set(routes) - set(TWO_FACTOR_ROUTES)) == [], "add them to TWO_FACTOR_ROUTES"
    assert sorted(set(TWO_FACTOR_ROUTES) - set(routes)) == [], "gone: remove them"


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("route", sorted(TWO_FACTOR_ROUTES))
def test_two_factor_routes_send_anonymous_people_to_log_in(route, method, world, client):
    before = _snapshot(world["owner"])
    url = TWO_FACTOR_ROUTES[route].format(**world["ids"])
    response = client.get(url) if method == "GET" else client.post(url, {"code": "123456"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert _snapshot(world["owner"]) == before


@pytest.mark.parametrize("route", sorted(TWO_FACTOR_ROUTES))
def test_two_factor_pages_show_a_stranger_nothing_of_the_owners(route, world, client, settings):
    settings.RATELIMIT_ENABLE = False
    client.force_login(world["stranger"])
    assert _reauthenticate(client).status_code == 302
    before = _snapshot(world["owner"])
    response = client.get(TWO_FACTOR_ROUTES[route].format(**world["ids"]))
    assert response.status_code in (200, 302, 404)
    body = _body(response)
    for secret in world["secrets"]:
        assert secret not in body, secret
    assert _snapshot(world["owner"]) == before
