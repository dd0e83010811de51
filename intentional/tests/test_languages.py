"""Which language answers (SPEC §12): Accept-Language before login, the person's `language`
after it — on pages and in the API — and the settings page and /api/v1/me/ that set it.

Our own catalogues are filled by the translators; these tests check the machinery through the
language each answer says it is in (Content-Language, the active language when the response
was made) and through Django's and DRF's own catalogues, which are complete already."""

import pytest
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from social.models import User
from social.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _jwt_client(user, **headers) -> APIClient:
    client = APIClient(**headers)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def _signed_in(user, **headers) -> Client:
    client = Client(**headers)
    client.force_login(user)
    return client


def _vary(response) -> set[str]:
    return {part.strip().lower() for part in response.get("Vary", "").split(",")}


# --- Before login: Accept-Language -----------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("fr-FR,fr;q=0.9,en;q=0.5", "fr"),
        ("de-CH", "de"),
        ("es", "es"),
        ("pt-BR,it;q=0.8", "en"),  # none of ours: the default
        ("", "en"),
    ],
)
def test_pages_before_login_follow_accept_language(client, header, language):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE=header)
    assert response.status_code == 200
    assert response["Content-Language"] == language
    assert "accept-language" in _vary(response)


def test_django_s_own_messages_come_in_the_browser_s_language(client):
    # A form error from Django's catalogue (complete for fr/de/es already).
    response = client.post(
        "/accounts/login/", {"login": "", "password": ""}, HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert response.status_code == 200
    assert "Ce champ est obligatoire." in response.content.decode()


def test_an_api_error_before_login_is_in_the_browser_s_language():
    response = APIClient().get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 401
    assert response["Content-Language"] == "de"
    error = response.json()["error"]
    assert error["type"] == "not_authenticated"  # types stay English identifiers
    with translation.override("de"):
        expected = str(translation.gettext("Authentication credentials were not provided."))
    assert expected != "Authentication credentials were not provided."  # DRF's catalogue
    assert error["message"] == expected


def test_answers_given_before_any_view_say_their_language_too(client, settings):
    # A 414 is answered by a middleware above authentication and every view.
    response = client.get("/" + "a" * (settings.MAX_URL_LENGTH + 10), HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 414
    assert response["Content-Language"] == "es"


def test_static_files_do_not_vary_with_the_language(settings):
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    response = Client().get("/static/js/site.js", HTTP_ACCEPT_LANGUAGE="fr")  # new settings
    assert response.status_code == 200
    assert "Content-Language" not in response
    assert "accept-language" not in _vary(response)


def test_a_request_s_language_does_not_stay_with_the_thread(client):
    with translation.override("de"):
        client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="fr")
        assert translation.get_language() == "de"
    client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="es")
    assert translation.get_language() == "en"


# --- After login: the person's language -------------------------------------------------------


def test_a_signed_in_person_s_pages_are_in_their_language_whatever_the_browser_says():
    person = UserFactory(language="fr")
    response = _signed_in(person).get("/settings/", HTTP_ACCEPT_LANGUAGE="de,en;q=0.5")
    assert response.status_code == 200
    assert response["Content-Language"] == "fr"
    assert response.wsgi_request.LANGUAGE_CODE == "fr"


def test_a_person_without_a_language_gets_the_browser_s():
    person = UserFactory(language="")
    response = _signed_in(person).get("/settings/", HTTP_ACCEPT_LANGUAGE="es")
    assert response["Content-Language"] == "es"


def test_the_api_answers_in_the_person_s_language_with_a_token_or_a_session():
    person = UserFactory(language="es")
    by_token = _jwt_client(person).get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="de")
    assert by_token.status_code == 200
    assert by_token["Content-Language"] == "es"
    session = APIClient()
    session.force_login(person)
    by_session = session.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="de")
    assert by_session["Content-Language"] == "es"


def test_an_api_validation_error_is_in_the_person_s_language():
    person = UserFactory(language="es")
    response = _jwt_client(person).patch(
        "/api/v1/me/", {"language": "xx"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "validation_error"
    with translation.override("es"):
        expected = translation.gettext('"{input}" is not a valid choice.').format(input="xx")
    assert expected != '"xx" is not a valid choice.'  # DRF's catalogue
    assert error["fields"]["language"] == [expected]
    assert User.objects.get(pk=person.pk).language == "es"


def test_an_unknown_api_route_answers_in_the_person_s_language():
    # No DRF view authenticates anyone there: the 404 handler reads the token itself.
    person = UserFactory(language="fr")
    response = _jwt_client(person).get("/api/v1/no-such-thing/", HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "not_found"
    assert response["Content-Language"] == "fr"
    # A token that does not authenticate anyone leaves Accept-Language's choice.
    stranger = APIClient(HTTP_AUTHORIZATION="Bearer not-a-token")
    response = stranger.get("/api/v1/no-such-thing/", HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 404 and response["Content-Language"] == "de"


# --- Setting it ---------------------------------------------------------------------------------


def test_me_reads_and_changes_the_language_and_answers_in_the_new_one():
    person = UserFactory(language="en")
    client = _jwt_client(person)
    assert client.get("/api/v1/me/").json()["language"] == "en"
    response = client.patch("/api/v1/me/", {"language": "de"}, format="json")
    assert response.status_code == 200
    assert response.json()["language"] == "de"
    assert response["Content-Language"] == "de"
    assert User.objects.get(pk=person.pk).language == "de"
    # "" is none chosen: answers follow Accept-Language again.
    assert client.patch("/api/v1/me/", {"language": ""}, format="json").status_code == 200
    assert client.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="fr")["Content-Language"] == "fr"


def test_the_openapi_schema_lists_the_languages(client):
    schema = client.get("/api/schema/?format=json").json()
    me = schema["components"]["schemas"]["Me"]["properties"]["language"]
    refs = {option["$ref"].rsplit("/", 1)[1] for option in me["oneOf"]}
    enums = {name: schema["components"]["schemas"][name]["enum"] for name in refs}
    assert sorted(value for values in enums.values() for value in values) == [
        "",
        "de",
        "en",
        "es",
        "fr",
    ]
    # The API's authentication classes are still documented as JWT and cookie.
    assert {"jwtAuth", "cookieAuth"} <= set(schema["components"]["securitySchemes"])


def test_the_settings_page_offers_each_language_in_itself_and_saves_it():
    person = UserFactory(language="en")
    client = _signed_in(person)
    html = client.get("/settings/").content.decode()
    assert 'name="language"' in html
    for name in ("English", "Français", "Deutsch", "Español"):
        assert f">{name}</option>" in html
    response = client.post(
        "/settings/",
        {"display_name": "Ada", "bio": "", "timezone": "UTC", "language": "de"},
    )
    assert response.status_code == 302
    assert User.objects.get(pk=person.pk).language == "de"
    # The page it lands on, and its "saved" message, are in the new language.
    assert client.get(response["Location"])["Content-Language"] == "de"


def test_the_settings_page_refuses_an_unknown_language_and_a_form_without_it_keeps_it():
    person = UserFactory(language="es")
    client = _signed_in(person)
    form = {"display_name": "Ada", "bio": "", "timezone": "UTC"}
    response = client.post("/settings/", {**form, "language": "xx"})
    assert response.status_code == 200
    assert response.context["form"].errors["language"]
    assert User.objects.get(pk=person.pk).language == "es"
    assert client.post("/settings/", form).status_code == 302
    assert User.objects.get(pk=person.pk).language == "es"


def test_the_settings_page_proposes_the_page_s_language_to_someone_without_one():
    person = UserFactory(language="")
    response = _signed_in(person).get("/settings/", HTTP_ACCEPT_LANGUAGE="de")
    assert response.context["form"]["language"].value() == "de"


# --- Sign-up keeps the language it was shown in ---------------------------------------------------


def test_signing_up_on_the_page_stores_the_browser_s_language():
    client = Client(HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9")
    response = client.post(
        "/accounts/signup/",
        {
            "email": "lola@example.com",
            "username": "lola",
            "password1": "a quiet harbour 42",
            "password2": "a quiet harbour 42",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(username="lola").language == "es"


@pytest.mark.parametrize(("header", "language"), [("de-AT", "de"), ("ja", "en")])
def test_signing_up_through_the_api_stores_the_browser_s_language(header, language):
    response = APIClient().post(
        "/api/v1/auth/register/",
        {"email": "kai@example.com", "username": "kai", "password": "lanterns at dusk 7"},
        format="json",
        HTTP_ACCEPT_LANGUAGE=header,
    )
    assert response.status_code == 201
    assert User.objects.get(username="kai").language == language
