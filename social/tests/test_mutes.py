"""Mute and snooze (SPEC §8, issue 14 acceptance 4): the muted person's posts leave the muter's
feed; their profile and posts stay reachable by link; they see no difference; a snooze ends by
itself; pages and API."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from connections import services as graph
from connections.models import Mute
from connections.tests.factories import connect
from social import selectors
from social.tests.factories import PostFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    me, ana, bo = (UserFactory(display_name=name) for name in ("Me", "Ana", "Bo"))
    connect(me, ana)
    connect(me, bo)
    return me, ana, bo


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def feed_ids(user) -> list[int]:
    return [post.pk for post in selectors.feed_for(viewer=user).items]


def _without_tokens(html: str) -> str:
    return re.sub(r'value="[A-Za-z0-9]{32,}"', "", html)


def test_muting_takes_their_posts_out_of_the_feed_only(people):
    me, ana, bo = people
    ana_post, bo_post = PostFactory(author=ana), PostFactory(author=bo)
    assert feed_ids(me) == [bo_post.pk, ana_post.pk]
    graph.mute_create(user=me, username="@" + ana.username.upper())
    assert feed_ids(me) == [bo_post.pk]
    page = client_for(me)
    assert f"/posts/{ana_post.pk}/" not in page.get("/feed/").content.decode()
    # Everything else is unchanged: their profile, their post by link, the API's post.
    assert f"/posts/{ana_post.pk}/" in page.get(f"/people/{ana.username}/").content.decode()
    assert page.get(f"/posts/{ana_post.pk}/").status_code == 200
    assert api_for(me).get(f"/api/v1/posts/{ana_post.pk}/").status_code == 200
    api_feed = api_for(me).get("/api/v1/feed/").json()["results"]
    assert [post["id"] for post in api_feed] == [bo_post.pk]
    graph.mute_remove(user=me, username=ana.username)
    assert feed_ids(me) == [bo_post.pk, ana_post.pk]


def test_the_muted_person_sees_no_difference(people):
    me, ana, _bo = people
    PostFactory(author=me, body="From me")
    urls = ["/feed/", f"/people/{me.username}/", "/people/", "/notifications/"]
    client = client_for(ana)
    before = [_without_tokens(client.get(url).content.decode()) for url in urls]
    api_before = api_for(ana).get(f"/api/v1/users/{me.username}/").json()
    graph.mute_create(user=me, username=ana.username)
    after = [_without_tokens(client.get(url).content.decode()) for url in urls]
    assert after == before
    assert api_for(ana).get(f"/api/v1/users/{me.username}/").json() == api_before


def test_a_snooze_ends_by_itself_on_time(people):
    me, ana, _bo = people
    post = PostFactory(author=ana)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client_for(me).post(f"/people/{ana.username}/mute/", {"for": "30d", "back": "profile"})
        assert Mute.objects.get().until == start + timedelta(days=30)
        assert post.pk not in feed_ids(me)
    with time_machine.travel(start + timedelta(days=30) - timedelta(seconds=1), tick=False):
        assert post.pk not in feed_ids(me)  # the compiled feed binds this call's time
        assert "Muted until" in client_for(me).get(f"/people/{ana.username}/").content.decode()
    with time_machine.travel(start + timedelta(days=30, seconds=1), tick=False):
        assert post.pk in feed_ids(me)
        html = client_for(me).get(f"/people/{ana.username}/").content.decode()
        assert "Mute for 30 days" in html and "Muted until" not in html
        assert (
            ana.username
            not in client_for(me).get("/people/").content.decode().split('id="mutes-heading"')[1]
        )


def test_profile_buttons_and_the_people_list(people):
    me, ana, _bo = people
    page = client_for(me)
    profile = page.get(f"/people/{ana.username}/").content.decode()
    assert "Mute for 30 days" in profile and "Mute until I unmute" in profile
    assert "Mute" not in page.get(f"/people/{me.username}/").content.decode().split("<main")[1]
    response = page.post(f"/people/{ana.username}/mute/", {"for": "forever", "back": "profile"})
    assert response.status_code == 302 and response["Location"] == f"/people/{ana.username}/"
    assert Mute.objects.get().until is None
    profile = page.get(f"/people/{ana.username}/").content.decode()
    assert "Muted until you unmute" in profile and "Unmute" in profile
    muted_list = page.get("/people/").content.decode().split('id="mutes-heading"')[1]
    assert f"@{ana.username}" in muted_list and "until you unmute" in muted_list
    response = page.post(f"/people/{ana.username}/unmute/", {"back": "profile"})
    assert response.status_code == 302 and not Mute.objects.exists()
    assert "You haven" in page.get("/people/").content.decode().split('id="mutes-heading"')[1]
    assert page.post(f"/people/{ana.username}/unmute/").status_code == 404
    assert page.post(f"/people/{me.username}/mute/", {"for": "forever"}).status_code == 400


def test_the_api_lists_creates_and_deletes_mutes(people):
    me, ana, bo = people
    client = api_for(me)
    until = (timezone.now() + timedelta(days=3)).replace(microsecond=0)
    response = client.post(
        "/api/v1/mutes/", {"username": ana.username, "until": until.isoformat()}, format="json"
    )
    assert response.status_code == 201 and response.json()["username"] == ana.username
    assert (
        client.post("/api/v1/mutes/", {"username": bo.username}, format="json").status_code == 201
    )
    listed = client.get("/api/v1/mutes/").json()["results"]
    assert {item["username"]: item["until"] is None for item in listed} == {
        ana.username: False,
        bo.username: True,
    }
    past = (timezone.now() - timedelta(days=1)).isoformat()
    refused = client.post("/api/v1/mutes/", {"username": bo.username, "until": past}, format="json")
    assert refused.status_code == 400 and "until" in refused.json()["error"]["fields"]
    nobody = client.post("/api/v1/mutes/", {"username": "nobody_here"}, format="json")
    assert nobody.status_code == 400 and "username" in nobody.json()["error"]["fields"]
    assert client.delete(f"/api/v1/mutes/{ana.username}/").status_code == 204
    assert client.delete(f"/api/v1/mutes/{ana.username}/").status_code == 404
    assert [item["username"] for item in client.get("/api/v1/mutes/").json()["results"]] == [
        bo.username
    ]
    # Not someone blocked either way: they are already out of sight.
    graph.block_create(user=UserFactory(username="blocker_x"), username=me.username)
    blocked = client.post("/api/v1/mutes/", {"username": "blocker_x"}, format="json")
    assert blocked.status_code == 400


def test_an_ended_snooze_leaves_the_list(people):
    me, ana, _bo = people
    graph.mute_create(user=me, username=ana.username, until=timezone.now() + timedelta(hours=1))
    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        assert api_for(me).get("/api/v1/mutes/").json()["results"] == []
