"""The pre-commit/CI check that every read of posts, comments and photos goes through
visible_to (scripts/check_audience_reads.py), run over the repository by `make test`."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "check_audience_reads.py"

_spec = importlib.util.spec_from_file_location("check_audience_reads", SCRIPT)
check = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check)


def test_the_repository_reads_posts_only_through_visible_to():
    result = subprocess.run(
        [sys.executable, str(SCRIPT)], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "code",
    [
        "Post.objects.filter(author=user)",
        "Comment.objects.all()",
        "Photo.objects.get(pk=1)",
        "Post._default_manager.all()",
        "posts = Post.objects\n",
        "Post.objects.filter(pk=1).visible_to(user)",
        "Notification.objects.filter(recipient=user)",
        "NotificationActor.objects.all()",
    ],
)
def test_unchecked_reads_are_flagged(code):
    assert check.violations(Path("digest/selectors.py"), code)


@pytest.mark.parametrize(
    "code",
    [
        "Post.objects.visible_to(viewer).filter(pk=1)",
        "Comment.objects.visible_to(viewer)",
        "Notification.objects.visible_to(viewer).unread()",
        "Post.objects\n    .visible_to(viewer)",
        "Post.objects.filter(pk=1)  # audience-ok: the digest builder checks visibility later",
        "BlogPost.objects.filter()",
    ],
)
def test_reads_through_visible_to_pass(code):
    assert check.violations(Path("digest/selectors.py"), code) == []


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("social/services.py", True),
        ("social/models.py", True),
        ("social/migrations/0002_posts.py", True),
        ("digest/tests/test_digest.py", True),
        ("social/management/commands/seed_demo.py", True),
        ("social/tests/factories.py", True),
        ("social/selectors.py", False),
        ("social/views.py", False),
        ("digest/services.py", False),
        ("social/api/views.py", False),
    ],
)
def test_allowed_modules(path, expected):
    assert check.allowed(path) is expected


def test_the_script_fails_on_a_bad_file(tmp_path):
    bad = tmp_path / "leaky.py"
    bad.write_text("from social.models import Post\nrows = Post.objects.all()\n")
    result = subprocess.run(
        [sys.executable, str(SCRIPT), str(bad)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert "leaky.py:2:" in result.stderr
