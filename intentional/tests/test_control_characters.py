"""Control characters in what people type (SPEC §7, `intentional.validators`).

Names and other one-line fields refuse line breaks, control characters and bidi overrides with
a message next to the field (pages) or in `fields` (API); multi-line fields keep their line
breaks but refuse NUL and the like; NUL in an address is a 404 (path) or a 400 (query string),
never a 500 (PostgreSQL cannot compare text with NUL); a name stored before these rules never
breaks a line of an email."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client

from connections import services as connection_services
from connections.models import Tag
from connections.tests.factories import InvitationFactory, TagFactory, connect
from intentional.validators import one_line_text, validate_multi_line, validate_one_line
from social import services
from social.models import Comment, Post, User, username_validator
from social.tests.factories import PostFactory, UserFactory

pytestmark = pytest.mark.django_db

# Refused in one-line fields: the header injection, other line breaks, controls, bidi.
ONE_LINE_REFUSED = {
    "crlf": "Eve\r\nBcc: all@example.com",
    "lf": "Eve\nMallory",
    "tab": "Eve\tMallory",
    "nul": "Eve\x00",
    "nel": "Eve\x85Mallory",
    "line separator": "Eve\u2028Mallory",
    "paragraph separator": "Eve\u2029Mallory",
    "right-to-left override": "Eve\u202emoc.elgoog",
    "isolate": "Eve\u2066x\u2069",
}
# Allowed: letters of any script, emoji built with the zero-width joiner, direction marks.
ONE_LINE_ALLOWED = ["Zoë O’Brien", "👩\u200d👩\u200d👧 family", "דנה\u200f", "Ali (علي)"]
# Refused in multi-line fields, which keep tab and line breaks.
MULTI_LINE_REFUSED = {"nul": "a\x00b", "bell": "ring\x07", "escape": "\x1b[31mred", "c1": "a\x9bb"}
MULTI_LINE_ALLOWED = "First line\r\nSecond\tline\n\nthird \u202e and \u2028 kept"

ONE_LINE_MESSAGE = "Use one line of text, without line breaks or invisible control characters"
MULTI_LINE_MESSAGE = "Remove the invisible control characters from this text"
NUL_MESSAGE = "Null characters are not allowed"  # Django's and DRF's CharField, before ours


def _refused_one_line(message: str) -> bool:
    return ONE_LINE_MESSAGE in message or NUL_MESSAGE in message


@pytest.fixture
def me(settings):
    settings.RATELIMIT_ENABLE = False
    return UserFactory(username="me", display_name="Me", bio="")


@pytest.fixture
def page(me) -> Client:
    client = Client()
    client.force_login(me)
    return client


@pytest.fixture
def api(me):
    from rest_framework.test import APIClient
    from rest_framework_simplejwt.tokens import RefreshToken

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(me).access_token}")
    return client


def _settings_form(**overrides) -> dict:
    return {"display_name": "Me", "bio": "", "timezone": "UTC", **overrides}


def _field_errors(response, field: str) -> str:
    """The error text shown next to `field` on a page."""
    return " ".join(response.context["form"].errors.get(field, []))


# --- The validators --------------------------------------------------------------------------


@pytest.mark.parametrize("case", list(ONE_LINE_REFUSED))
def test_one_line_validator_refuses(case):
    with pytest.raises(ValidationError) as error:
        validate_one_line(ONE_LINE_REFUSED[case])
    assert error.value.code == "control_character"
    assert ONE_LINE_MESSAGE in error.value.messages[0]


@pytest.mark.parametrize("value", ONE_LINE_ALLOWED)
def test_one_line_validator_allows_names_of_any_script(value):
    validate_one_line(value)


@pytest.mark.parametrize("case", list(MULTI_LINE_REFUSED))
def test_multi_line_validator_refuses_controls_but_not_line_breaks(case):
    validate_multi_line(MULTI_LINE_ALLOWED)
    with pytest.raises(ValidationError):
        validate_multi_line(MULTI_LINE_REFUSED[case])


def test_username_refuses_a_trailing_newline():
    # "$" would match before a final "\n"; the rule is anchored with "\Z".
    with pytest.raises(ValidationError):
        username_validator("alice\n")
    with pytest.raises(ValidationError):
        User(username="alice\n", email="a@example.com").full_clean(exclude=["password"])


# --- One-line fields, pages and API ----------------------------------------------------------


# NUL never reaches a page's form: HostileInputMiddleware answers 400 first (tested below).
ONE_LINE_REFUSED_ON_PAGES = [case for case in ONE_LINE_REFUSED if case != "nul"]
MULTI_LINE_REFUSED_ON_PAGES = [case for case in MULTI_LINE_REFUSED if case != "nul"]


@pytest.mark.parametrize("case", ONE_LINE_REFUSED_ON_PAGES)
def test_settings_page_refuses_a_display_name_with_control_characters(case, page, me):
    response = page.post("/settings/", _settings_form(display_name=ONE_LINE_REFUSED[case]))
    assert response.status_code == 200
    assert _refused_one_line(_field_errors(response, "display_name"))
    assert 'class="field-error"' in response.content.decode()
    me.refresh_from_db()
    assert me.display_name == "Me"


@pytest.mark.parametrize("case", list(ONE_LINE_REFUSED))
def test_api_refuses_a_display_name_with_control_characters(case, api, me):
    response = api.patch("/api/v1/me/", {"display_name": ONE_LINE_REFUSED[case]}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "validation_error"
    assert _refused_one_line(error["fields"]["display_name"][0])
    me.refresh_from_db()
    assert me.display_name == "Me"


@pytest.mark.parametrize("value", ONE_LINE_ALLOWED)
def test_names_of_any_script_are_kept(value, page, api, me):
    assert page.post("/settings/", _settings_form(display_name=value)).status_code == 302
    me.refresh_from_db()
    assert me.display_name == value
    response = api.patch("/api/v1/me/", {"display_name": value + "!"}, format="json")
    assert response.status_code == 200 and response.json()["display_name"] == value + "!"


def test_service_refuses_a_display_name_with_a_line_break(me):
    with pytest.raises(ValidationError) as error:
        services.user_update_profile(user=me, display_name="Eve\r\nBcc: x@example.com")
    assert "display_name" in error.value.message_dict


@pytest.mark.parametrize("case", ["crlf", "right-to-left override", "line separator"])
def test_tag_names_refuse_control_characters_on_pages(case, page, me):
    tag = TagFactory(owner=me, name="family")
    name = ONE_LINE_REFUSED[case]
    response = page.post("/tags/new/", {"name": name})
    assert response.status_code == 400
    assert _refused_one_line(response.context["create_form"].errors["name"][0])
    response = page.post(f"/tags/{tag.pk}/rename/", {"name": name})
    assert response.status_code == 400
    assert list(Tag.objects.filter(owner=me).values_list("name", flat=True)) == ["family"]


@pytest.mark.parametrize("case", ["crlf", "tab", "right-to-left override", "paragraph separator"])
def test_tag_names_refuse_control_characters_on_the_api(case, api, me):
    tag = TagFactory(owner=me, name="family")
    name = ONE_LINE_REFUSED[case]
    for response in (
        api.post("/api/v1/tags/", {"name": name}, format="json"),
        api.patch(f"/api/v1/tags/{tag.pk}/", {"name": name}, format="json"),
    ):
        assert response.status_code == 400
        assert _refused_one_line(response.json()["error"]["fields"]["name"][0])
    assert list(Tag.objects.filter(owner=me).values_list("name", flat=True)) == ["family"]


def test_admin_refuses_a_display_name_with_a_line_break(client, me):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = f"/admin/social/user/{me.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        {
            "display_name": "Eve\r\nBcc: x@example.com",
            "date_joined_0": me.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": me.date_joined.strftime("%H:%M:%S"),
        }
    )
    data.pop("date_joined", None)
    data.pop("last_login", None)
    data.pop("groups", None)
    data.pop("user_permissions", None)
    response = client.post(url, data)
    assert response.status_code == 200
    assert ONE_LINE_MESSAGE in " ".join(response.context["adminform"].form.errors["display_name"])
    me.refresh_from_db()
    assert me.display_name == "Me"


# --- Multi-line fields ------------------------------------------------------------------------


def test_multi_line_fields_keep_their_line_breaks(page, api, me):
    friend = UserFactory()
    connect(me, friend)
    post = PostFactory(author=friend)
    assert page.post("/settings/", _settings_form(bio=MULTI_LINE_ALLOWED)).status_code == 302
    me.refresh_from_db()
    assert me.bio == MULTI_LINE_ALLOWED
    response = api.post("/api/v1/posts/", {"body": MULTI_LINE_ALLOWED}, format="json")
    assert response.status_code == 201
    assert Post.objects.get(pk=response.json()["id"]).body == MULTI_LINE_ALLOWED  # audience-ok
    response = api.post(
        f"/api/v1/posts/{post.pk}/comments/", {"body": MULTI_LINE_ALLOWED}, format="json"
    )
    assert response.status_code == 201


@pytest.mark.parametrize("case", MULTI_LINE_REFUSED_ON_PAGES)
def test_multi_line_fields_refuse_control_characters_on_pages(case, page, me):
    friend = UserFactory()
    connect(me, friend)
    post = PostFactory(author=friend)
    text = MULTI_LINE_REFUSED[case]
    messages = (MULTI_LINE_MESSAGE, NUL_MESSAGE)

    response = page.post("/settings/", _settings_form(bio=text))
    assert response.status_code == 200
    assert any(message in _field_errors(response, "bio") for message in messages)
    response = page.post("/posts/new/", {"body": text, "audience": "connections"})
    assert response.status_code == 400
    assert any(message in _field_errors(response, "body") for message in messages)
    response = page.post(f"/posts/{post.pk}/comments/", {"body": text})
    assert response.status_code == 400
    assert any(message in response.content.decode() for message in messages)
    me.refresh_from_db()
    assert me.bio == ""
    assert not Post.objects.filter(author=me).exists()  # audience-ok: test
    assert not Comment.objects.filter(author=me).exists()  # audience-ok: test


@pytest.mark.parametrize("case", list(MULTI_LINE_REFUSED))
def test_multi_line_fields_refuse_control_characters_on_the_api(case, api, me):
    friend = UserFactory()
    connect(me, friend)
    post = PostFactory(author=friend)
    mine = PostFactory(author=me, body="before")
    text = MULTI_LINE_REFUSED[case]
    for url, method, field in (
        ("/api/v1/me/", "patch", "bio"),
        ("/api/v1/posts/", "post", "body"),
        (f"/api/v1/posts/{mine.pk}/", "patch", "body"),
        (f"/api/v1/posts/{post.pk}/comments/", "post", "body"),
    ):
        response = getattr(api, method)(url, {field: text}, format="json")
        assert response.status_code == 400, url
        error = response.json()["error"]
        assert error["type"] == "validation_error" and error["fields"][field], url
    mine.refresh_from_db()
    assert mine.body == "before"
    assert Post.objects.filter(author=me).count() == 1  # audience-ok: test
    assert not Comment.objects.exists()  # audience-ok: test


@pytest.mark.parametrize("text", ["a\x00b", "ring\x07"])
def test_services_refuse_control_characters_in_bodies(text, me):
    friend = UserFactory()
    connect(me, friend)
    post = PostFactory(author=friend)
    with pytest.raises(ValidationError) as error:
        services.post_create(author=me, body=text)
    assert MULTI_LINE_MESSAGE in error.value.message_dict["body"][0]
    with pytest.raises(ValidationError) as error:
        services.comment_create(author=me, post_id=post.pk, body=text)
    assert MULTI_LINE_MESSAGE in error.value.message_dict["body"][0]


# --- NUL in addresses and in looked-up names --------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/people/me%00x/", "/people/me%00x/avatar/", "/invite/abc%00def/", "/api/v1/users/me%00x/"],
)
def test_nul_in_a_path_is_a_404(url, page, api):
    InvitationFactory()
    client = api if url.startswith("/api/") else page
    response = client.get(url)
    assert response.status_code == 404
    if url.startswith("/api/"):
        assert response.json()["error"]["type"] == "not_found"


@pytest.mark.parametrize(
    "url", ["/people/?q=me%00", "/api/v1/posts/?author=me%00x", "/api/v1/feed/?cursor=%00"]
)
def test_nul_in_a_query_string_is_a_400(url, page, api):
    client = api if url.startswith("/api/") else page
    response = client.get(url)
    assert response.status_code == 400
    if url.startswith("/api/"):
        assert response.json()["error"]["type"] == "bad_request"


def test_nul_in_any_page_form_is_a_400_and_stores_nothing(page, me):
    friend = UserFactory()
    connect(me, friend)
    post = PostFactory(author=friend)
    tag = TagFactory(owner=me, name="family")
    for url, data in [
        ("/settings/", _settings_form(display_name="Eve\x00")),
        ("/settings/", _settings_form(bio="a\x00b")),
        ("/tags/new/", {"name": "fam\x00ily"}),
        (f"/tags/{tag.pk}/rename/", {"name": "fam\x00ily"}),
        ("/posts/new/", {"body": "a\x00b", "audience": "connections"}),
        (f"/posts/{post.pk}/comments/", {"body": "a\x00b"}),
    ]:
        assert page.post(url, data).status_code == 400, url
    me.refresh_from_db()
    assert (me.display_name, me.bio) == ("Me", "")
    assert list(Tag.objects.filter(owner=me).values_list("name", flat=True)) == ["family"]
    assert not Post.objects.filter(author=me).exists()  # audience-ok: test
    assert not Comment.objects.filter(author=me).exists()  # audience-ok: test


@pytest.mark.parametrize(
    "url", ["/people/me%00x/connect/", "/people/me%00x/block/", "/people/me%00x/unblock/"]
)
def test_nul_in_a_posted_address_is_a_404(url, page):
    assert page.post(url).status_code == 404


def test_nul_in_a_posted_username_is_a_clear_refusal(page, me):
    tag = TagFactory(owner=me, name="family")
    response = page.post(f"/tags/{tag.pk}/members/", {"username": "friend\x00"})
    assert response.status_code == 400
    # Services looking the name up refuse it too (not a PostgreSQL 500).
    with pytest.raises(ValidationError):
        connection_services.connection_request(user=me, username="friend\x00")
    with pytest.raises(Exception) as error:
        connection_services.block_remove(user=me, username="friend\x00")
    assert type(error.value).__name__ == "DoesNotExist"


# --- Names stored before the rules ------------------------------------------------------------


def test_an_old_name_with_a_line_break_stays_on_one_line_in_emails(
    me, django_capture_on_commit_callbacks
):
    # A row from before names refused line breaks (written past validation).
    User.objects.filter(pk=me.pk).update(display_name="Eve\r\nBcc: all@example.com\u2028Hi")
    me.refresh_from_db()
    assert me.name == "Eve Bcc: all@example.com Hi"
    UserFactory(username="bob")
    with django_capture_on_commit_callbacks(execute=True):
        connection_services.connection_request(user=me, username="bob")
    message = mail.outbox[0]
    assert message.subject == "Eve Bcc: all@example.com Hi asked to connect with you"
    assert not any(line.startswith("Bcc") for line in message.body.splitlines())
    raw = message.message().as_bytes()
    assert b"\nBcc:" not in raw and message.recipients() == [message.to[0]]


def test_one_line_text_puts_anything_on_one_line():
    assert one_line_text(" a\r\n\tb\x00c\u202ed\u2029 ") == "a b c d"
    assert one_line_text("") == ""
