"""Celery routing: digest, email and media tasks go to their own queues, each consumed by the
Procfile's worker (README "Scaling")."""

import re
from pathlib import Path

import pytest

from intentional.celery import app

PROCFILE = Path(__file__).resolve().parents[2] / "Procfile"


def _queue(task_name: str) -> str:
    route = app.amqp.router.route({}, task_name, (), {})
    queue = route.get("queue")
    return getattr(queue, "name", queue) or app.conf.task_default_queue


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("digest.tasks.digest_schedule", "digest"),
        ("digest.tasks.digest_send", "digest"),
        ("social.tasks.notification_email_send", "email"),
        ("social.tasks.storage_delete_files", "media"),
        ("social.tasks.data_export_build", "media"),
    ],
)
def test_tasks_go_to_their_queue(task, queue):
    app.loader.import_default_modules()
    assert task in app.tasks
    assert _queue(task) == queue


def test_every_task_goes_to_a_queue_the_worker_consumes():
    app.loader.import_default_modules()
    worker = next(line for line in PROCFILE.read_text().splitlines() if line.startswith("worker:"))
    consumed = set(re.search(r"--queues (\S+)", worker).group(1).split(","))
    assert {"default", "digest", "email", "media"} <= consumed
    ours = [name for name in app.tasks if not name.startswith("celery.")]
    assert ours
    for name in ours:
        assert _queue(name) in consumed, name
