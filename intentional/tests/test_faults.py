"""Faults of the base (SPEC §7): with the cache (Redis) unreachable the site still works and
readiness names the cache; with the database unreachable pages answer a friendly 503/500."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

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


def test_pages_are_friendly_when_the_database_is_unreachable():
    script = (
        "import django; django.setup();"
        "from django.test import Client;"
        "c = Client(raise_request_exception=False);"
        "r = c.get('/accounts/login/');"
        "print(r.status_code); print(r.content.decode())"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "intentional.settings.test",
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/nothing",
        "LOG_LEVEL": "CRITICAL",
    }
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    status, _, html = result.stdout.partition("\n")
    assert status == "503"
    assert "can't reach our database" in html
    assert "Traceback" not in html and "127.0.0.1" not in html and "psycopg" not in html
