"""Faults (SPEC §7): with the cache (Redis) unreachable or killed the site still works and
readiness names the cache; with the database unreachable pages answer a friendly 503/500."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from intentional.tests.servers import redis_server

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow

SCRIPT = """
import django, json
django.setup()
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient
call_command("migrate", verbosity=0)
out = {}
client = Client()
out["login_page"] = client.get("/accounts/login/").status_code
api = APIClient()
r = api.post("/api/v1/auth/register/",
             {"email": "r@example.com", "username": "redisless", "password": "still works 123"},
             format="json")
out["register"] = r.status_code
r = api.post("/api/v1/auth/token/", {"login": "redisless", "password": "still works 123"},
             format="json")
out["token"] = r.status_code
api.credentials(HTTP_AUTHORIZATION="Bearer " + r.json()["access"])
out["me"] = api.get("/api/v1/me/").status_code
out["login"] = client.post("/accounts/login/",
                           {"login": "redisless", "password": "still works 123"}).status_code
out["settings"] = client.get("/settings/").status_code
r = client.get("/health/ready/")
out["ready"] = [r.status_code, r.json()]
print(json.dumps(out))
"""


def test_site_works_with_redis_down(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "intentional.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        # Nothing listens there: every cache call fails, as with Redis stopped.
        "REDIS_URL": "redis://127.0.0.1:1/0",
        "LOG_LEVEL": "CRITICAL",
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["login_page"] == 200
    assert out["register"] == 201
    assert out["token"] == 200
    assert out["me"] == 200
    assert out["login"] == 302
    assert out["settings"] == 200
    assert out["ready"] == [
        503,
        {"status": "unavailable", "database": "ok", "cache": "unavailable"},
    ]


DATABASE_DOWN_SCRIPT = """
import django, json
django.setup()
from django.test import Client
from rest_framework_simplejwt.tokens import AccessToken
c = Client(raise_request_exception=False)
out = {}
r = c.get('/health/ready/')
out['ready'] = [r.status_code, r.json()]
r = c.get('/accounts/login/')  # someone not signed in
out['login_page'] = [r.status_code, r.content.decode()]
c.cookies['sessionid'] = 'a' * 32  # someone signed in: their session is in the database
r = c.get('/feed/')
out['feed'] = [r.status_code, r.content.decode()]
token = AccessToken()
token['user_id'] = 1
r = c.get('/api/v1/me/', HTTP_AUTHORIZATION='Bearer ' + str(token))
out['api'] = [r.status_code, r.json(), r.get('Retry-After')]
r = c.get('/health/')
out['live'] = r.status_code
print(json.dumps(out))
"""


def test_database_unreachable_gives_503_on_readiness_pages_and_api():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "intentional.settings.test",
        # A closed port: the connection is refused, as with PostgreSQL stopped.
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/nothing",
        "LOG_LEVEL": "CRITICAL",
    }
    result = subprocess.run(
        [sys.executable, "-c", DATABASE_DOWN_SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["ready"] == [
        503,
        {"status": "unavailable", "database": "unavailable", "cache": "ok"},
    ]
    status, login_html = out["login_page"]
    assert status == 503 and "can't reach our database" in login_html
    status, html = out["feed"]
    assert status == 503 and "can't reach our database" in html
    status, body, retry_after = out["api"]
    assert status == 503 and retry_after == "60"
    assert body["error"]["type"] == "service_unavailable"
    assert out["live"] == 200  # liveness touches nothing: the process itself is fine
    for leaked in ("Traceback", "psycopg", "OperationalError", "127.0.0.1", "nobody"):
        assert leaked not in html + login_html and leaked not in json.dumps(body), leaked


@pytest.fixture
def own_redis(settings):
    """A redis-server of this test's own, as the cache; `.kill()` stops it for good."""
    with redis_server() as (url, process):
        settings.CACHES = {
            "default": {
                **settings.CACHES["default"],
                "BACKEND": "django_redis.cache.RedisCache",
                "LOCATION": f"{url}/0",
                "OPTIONS": {
                    "CLIENT_CLASS": "django_redis.client.DefaultClient",
                    "IGNORE_EXCEPTIONS": True,
                    "SOCKET_CONNECT_TIMEOUT": 0.5,
                    "SOCKET_TIMEOUT": 0.5,
                },
            }
        }
        settings.RATELIMIT_ENABLE = True
        yield process


@pytest.mark.django_db
def test_redis_killed_mid_use_breaks_nothing_and_leaks_nothing(own_redis, client):
    """The site keeps working with its real Redis killed, and the audience rule still holds:
    nothing about who sees what lives in the cache."""
    from django.core.cache import cache
    from django.test import Client
    from rest_framework.test import APIClient
    from rest_framework_simplejwt.tokens import RefreshToken

    from connections.tests.factories import connect
    from social import services
    from social.tests.factories import PASSWORD, UserFactory

    author, friend, stranger = UserFactory(), UserFactory(), UserFactory()
    connect(author, friend)
    post = services.post_create(author=author, body="Seen only by my circle")
    assert client.get("/health/ready/").json()["cache"] == "ok"
    cache.set("probe", "up")
    assert cache.get("probe") == "up"  # really in Redis

    own_redis.kill()
    own_redis.wait(timeout=10)

    assert cache.get("probe") is None  # gone with the server: the cache answers nothing
    ready = client.get("/health/ready/")
    assert ready.status_code == 503
    assert ready.json() == {"status": "unavailable", "database": "ok", "cache": "unavailable"}

    pages = {person: Client() for person in (author, friend, stranger)}
    for person, page in pages.items():
        page.force_login(person)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(friend).access_token}")

    assert "Seen only by my circle" in pages[friend].get("/feed/").content.decode()
    assert pages[friend].get(f"/posts/{post.pk}/").status_code == 200
    assert [item["id"] for item in api.get("/api/v1/feed/").json()["results"]] == [post.pk]
    assert pages[stranger].get(f"/posts/{post.pk}/").status_code == 404
    assert "Seen only by my circle" not in pages[stranger].get("/feed/").content.decode()
    # Writes work (rate limits fail open), and a permission change takes effect at once.
    assert api.post("/api/v1/posts/", {"body": "still posting"}, format="json").status_code == 201
    assert pages[author].post(f"/people/{friend.username}/block/").status_code == 302
    assert pages[friend].get(f"/posts/{post.pk}/").status_code == 404
    assert api.get(f"/api/v1/posts/{post.pk}/").status_code == 404
    # Logging in still works.
    login = Client().post("/accounts/login/", {"login": author.username, "password": PASSWORD})
    assert login.status_code == 302
