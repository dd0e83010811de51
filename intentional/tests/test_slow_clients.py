"""SPEC §7, slow clients: with the Procfile's web command and its defaults, ten uploads that
stop half-way leave every other request answered, and the server cuts them once their body has
not arrived for REQUEST_BODY_TIMEOUT seconds. A real gunicorn on loopback, real sockets."""

import http.client
import os
import re
import socket
import sys
from pathlib import Path

import pytest
from django.conf import settings

from intentional.tests.servers import free_port, loopback_server

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
STALLED = 10
# A liveness bound for each answer while the uploads stall, not a performance figure.
ANSWER_SECONDS = 5


def _procfile_web_server(port: int) -> str:
    """The Procfile's web command without its collectstatic step, bound to loopback."""
    lines = (ROOT / "Procfile").read_text().splitlines()
    web = next(line for line in lines if line.startswith("web:"))
    server = web.split("&&")[-1].strip()
    assert server.startswith("gunicorn intentional.wsgi ")
    server, binds = re.subn(r"--bind \S+", f"--bind 127.0.0.1:{port}", server)
    assert binds == 1
    return server


def _server_environment(tmp_path) -> dict:
    """Production settings, and nothing the Procfile reads (WEB_CONCURRENCY, WEB_THREADS, ...)
    so that its defaults apply."""
    return {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "DJANGO_SETTINGS_MODULE": "intentional.settings.base",
        "DEBUG": "false",
        "SECRET_KEY": "slow-clients-test-" + "k" * 40,
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        # The pages need no collected static files (the Procfile's collectstatic step).
        "STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "LOG_LEVEL": "ERROR",
    }


def _stalled_upload(port: int) -> socket.socket:
    """A photo upload that announces 40 MB, sends 4 KB of it and then nothing more.

    The CSRF cookie makes Django read the form (to find the CSRF token) before anything else,
    so the server really is waiting for the body."""
    boundary = "stalled-upload"
    head = (
        "POST /posts/new/ HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        "Content-Length: 40000000\r\n"
        f"Cookie: csrftoken={'a' * 32}\r\n"
        "\r\n"
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="photos"; filename="big.jpg"\r\n'
        "Content-Type: image/jpeg\r\n"
        "\r\n"
    ).encode()
    client = socket.create_connection(("127.0.0.1", port))
    client.sendall(head + b"\xff" * 4096)
    return client


def _get(port: int, path: str, *, timeout: float) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def _nothing_received_yet(client: socket.socket) -> bool:
    client.setblocking(False)
    try:
        client.recv(1)
    except BlockingIOError:
        return True
    finally:
        client.setblocking(True)
    return False


def _read_until_closed(client: socket.socket, *, timeout: float) -> bytes:
    client.settimeout(timeout)
    received = b""
    while chunk := client.recv(65536):
        received += chunk
    return received


def test_ten_stalled_uploads_leave_every_other_request_answered(tmp_path):
    port = free_port()
    command = _procfile_web_server(port)
    with loopback_server(
        ["sh", "-c", f"exec {command}"],
        ready="Listening at",
        stream="stderr",
        env=_server_environment(tmp_path),
        cwd=ROOT,
    ):
        # Up once a worker has loaded the application (the first answer may take a while).
        assert _get(port, "/health/", timeout=120) == 200
        stalled = [_stalled_upload(port) for _ in range(STALLED)]
        try:
            # Liveness (touches nothing) and readiness (the database and the cache), in turns.
            for path in ["/health/", "/health/ready/"] * 3:
                assert _get(port, path, timeout=ANSWER_SECONDS) == 200, path
            # They were all answered while every upload was still being waited for.
            assert all(_nothing_received_yet(client) for client in stalled)
            # Then each stalled upload is answered (never a server error) and cut.
            for client in stalled:
                answer = _read_until_closed(client, timeout=settings.REQUEST_BODY_TIMEOUT + 30)
                assert re.match(rb"HTTP/1\.1 4\d\d ", answer), answer[:100]
        finally:
            for client in stalled:
                client.close()
