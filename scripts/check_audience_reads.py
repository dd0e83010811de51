#!/usr/bin/env python3
"""Flag reads of posts, comments, photos and notifications that bypass the audience rule (SPEC
§3, §8).

Outside the modules allowed to touch every row (models, services, migrations, tests,
management commands, factories), `Post.objects`, `Comment.objects`, `Photo.objects`,
`Notification.objects` and `NotificationActor.objects` must be followed by `.visible_to(`. A
line that really needs an exception says why with the pragma `# audience-ok: <reason>`.

Usage: check_audience_reads.py [FILE ...]   (no files: every .py file in the repository)
Exit status 1 when something is flagged. Run by pre-commit and by social/tests.
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ALLOWED = (
    re.compile(r"(^|/)social/(models|services)\.py$"),
    re.compile(r"(^|/)migrations/"),
    re.compile(r"(^|/)tests?/"),
    re.compile(r"(^|/)test_[^/]*\.py$"),
    re.compile(r"(^|/)conftest\.py$"),
    re.compile(r"(^|/)factories\.py$"),
    re.compile(r"(^|/)management/commands/"),
    re.compile(r"(^|/)scripts/"),
)
SKIPPED_DIRS = {".venv", "venv", "node_modules", "staticfiles", "media", ".git", "test-artifacts"}
# A manager of a row type the rule protects, not followed by `.visible_to(`.
UNCHECKED_READ = re.compile(
    r"\b(?:Post|Comment|Photo|Notification|NotificationActor)"
    r"\s*\.\s*(?:objects|_default_manager|_base_manager)\b"
    r"(?!\s*\.\s*visible_to\s*\()"
)
PRAGMA = "# audience-ok:"


def allowed(path: str) -> bool:
    return any(pattern.search(path) for pattern in ALLOWED)


def violations(path: Path, text: str) -> list[str]:
    """`path:line: code` for each unchecked read in `text`."""
    found = []
    lines = text.splitlines()
    for match in UNCHECKED_READ.finditer(text):
        number = text.count("\n", 0, match.start()) + 1
        line = lines[number - 1]
        if PRAGMA in line:
            continue
        found.append(f"{path}:{number}: {line.strip()}")
    return found


def python_files(arguments: list[str]) -> list[Path]:
    if arguments:
        return [Path(argument) for argument in arguments if argument.endswith(".py")]
    return [
        path
        for path in ROOT.rglob("*.py")
        if not SKIPPED_DIRS.intersection(path.relative_to(ROOT).parts)
    ]


def main(arguments: list[str]) -> int:
    problems = []
    for path in python_files(arguments):
        resolved = path.resolve()
        relative = resolved.relative_to(ROOT) if resolved.is_relative_to(ROOT) else resolved
        if allowed(relative.as_posix()):
            continue
        problems += violations(relative, path.read_text(encoding="utf-8"))
    for problem in problems:
        sys.stderr.write(f"{problem}\n")
    if problems:
        sys.stderr.write(
            "Read posts, comments and photos through .visible_to(viewer) (SPEC §3), or mark a "
            f"justified exception with '{PRAGMA} <reason>'.\n"
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
