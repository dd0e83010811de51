"""Health, readiness, metrics access, request ids and logs (SPEC §6 Operations)."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def test_health_is_ok(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_reports_each_part(client):
    response = client.get("/health/ready/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


def _ready_in_subprocess(**env) -> tuple[int, dict]:
    """GET /health/ready/ in a fresh process whose settings point at unreachable servers."""
    code = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/health/ready/');"
        "print(json.dumps({'status': r.status_code, 'body': r.json()}))"
    )
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "intentional.settings.test",
        "LOG_LEVEL": "CRITICAL",
        **env,
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    return answer["status"], answer["body"]


@pytest.mark.slow
def test_ready_is_503_when_the_database_is_unreachable():
    # Nothing listens on port 1: the database really is unreachable.
    status, body = _ready_in_subprocess(
        DATABASE_URL="postgres://nobody@127.0.0.1:1/nothing", CONN_MAX_AGE="0"
    )
    assert status == 503
    assert body == {"status": "unavailable", "database": "unavailable", "cache": "ok"}


@pytest.mark.slow
def test_ready_is_503_when_the_cache_is_unreachable(tmp_path):
    status, body = _ready_in_subprocess(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        REDIS_URL="redis://127.0.0.1:1/0",
    )
    assert status == 503
    assert body == {"status": "unavailable", "database": "ok", "cache": "unavailable"}


@pytest.mark.slow
def test_ready_names_a_replica_that_is_down_but_stays_200(tmp_path):
    """The web tier never reads the replica (only the digest batch, which falls back to the
    primary): a replica outage is "degraded", not a reason to take web nodes out."""
    status, body = _ready_in_subprocess(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DATABASE_REPLICA_URL="postgres://nobody@127.0.0.1:1/nothing",
    )
    assert status == 200
    assert body == {"status": "degraded", "database": "ok", "cache": "ok", "replica": "unavailable"}


def test_metrics_from_loopback(client):
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    text = response.content.decode()
    assert "django_http_requests_total_by_method_total" in text
    assert "intentional_posts_created_total" in text


def test_metrics_forbidden_from_elsewhere_without_token(client, settings):
    settings.METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 403
    wrong = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer nope")
    assert wrong.status_code == 403
    right = client.get(
        "/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer s3cret-token"
    )
    assert right.status_code == 200


def test_metrics_behind_a_proxy_uses_the_client_address(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The proxy is on loopback, but the client it forwards for is not.
    response = client.get(
        "/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.1, 203.0.113.9"
    )
    assert response.status_code == 403


def test_request_id_is_generated_and_echoed(client):
    generated = client.get("/health/")["X-Request-ID"]
    assert len(generated) == 32
    assert client.get("/health/", HTTP_X_REQUEST_ID="abc-123")["X-Request-ID"] == "abc-123"
    # Arbitrary text is not copied into logs and headers.
    assert client.get("/health/", HTTP_X_REQUEST_ID="bad id\n<x>")["X-Request-ID"] != "bad id"


def test_one_json_log_line_per_request_with_its_request_id(client, caplog):
    from pythonjsonlogger.json import JsonFormatter

    from intentional.logging import RequestContextFilter

    with caplog.at_level(logging.INFO, logger="intentional.access"):
        client.get("/health/", HTTP_X_REQUEST_ID="req-42")
    records = [record for record in caplog.records if record.name == "intentional.access"]
    assert len(records) == 1
    RequestContextFilter().filter(records[0])
    line = json.loads(
        JsonFormatter("%(levelname)s %(name)s %(message)s %(request_id)s").format(records[0])
    )
    assert line["status"] == 200 and line["path"] == "/health/" and line["method"] == "GET"
    assert "duration_ms" in line and "client_ip" in line


def test_celery_runs_tasks_in_process_by_default():
    from intentional.celery import app

    assert app.conf.task_always_eager is True
    assert app.conf.task_time_limit == 300
