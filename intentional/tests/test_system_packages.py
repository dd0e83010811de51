"""scripts/ensure_system_packages.sh: what `make test` and .ci/run install on a fresh machine
(Chromium for the browser tests, python3-venv), written once and run before the .venv exists.

apt-get is a fake on PATH here that records its arguments: the tests never install anything."""

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "ensure_system_packages.sh"


def run_script(tmp_path, *args, chromium_present, venv_present, apt_fails=False):
    """Runs the script with plain bash against a fake Chromium, python3 and apt-get; returns
    the completed process and the apt-get calls it made (one argument list per call)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    calls = tmp_path / "apt-calls"
    apt = bin_dir / "apt-get"
    apt.write_text(f'#!/bin/sh\necho "$*" >> {calls}\nexit {1 if apt_fails else 0}\n')
    apt.chmod(0o755)
    chromium = tmp_path / "chromium"
    if chromium_present:
        chromium.write_text("#!/bin/sh\n")
        chromium.chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "CHROMIUM": str(chromium),
        # `true` imports everything, `false` nothing: python3 with or without python3-venv.
        "PYTHON3": "true" if venv_present else "false",
    }
    result = subprocess.run(
        ["bash", str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=30
    )
    apt_calls = calls.read_text().splitlines() if calls.exists() else []
    return result, apt_calls


def test_dry_run_names_what_is_missing_and_installs_nothing(tmp_path):
    result, apt_calls = run_script(
        tmp_path, "--dry-run", chromium_present=False, venv_present=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["chromium", "python3-venv"]
    assert apt_calls == []

    result, _ = run_script(tmp_path, "--dry-run", chromium_present=False, venv_present=True)
    assert result.stdout.split() == ["chromium"]


def test_installs_the_missing_packages_with_apt_get_without_sudo(tmp_path):
    result, apt_calls = run_script(tmp_path, chromium_present=False, venv_present=False)
    assert result.returncode == 0, result.stderr
    assert apt_calls == ["update -qq", "install -y -qq chromium python3-venv"]


def test_does_nothing_when_everything_is_there(tmp_path):
    result, apt_calls = run_script(tmp_path, chromium_present=True, venv_present=True)
    assert result.returncode == 0, result.stderr
    assert (result.stdout, apt_calls) == ("", [])


def test_a_failed_install_fails_with_the_command_to_run(tmp_path):
    result, _ = run_script(tmp_path, chromium_present=False, venv_present=True, apt_fails=True)
    assert result.returncode == 1
    assert "apt-get install chromium" in result.stderr


def test_make_test_runs_the_script_first_and_ci_runs_the_same_script():
    # -n prints the commands without running them; -B as on a fresh clone (no .venv yet).
    # Without the variables of a make this suite may itself run under (`make test`).
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES")
    }
    commands = subprocess.run(
        ["make", "-n", "-B", "--no-print-directory", "test"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env=environment,
    ).stdout.splitlines()
    assert commands[0] == "bash scripts/ensure_system_packages.sh"
    assert any(line.startswith("python3 -m venv") for line in commands[1:])
    assert any("/pytest" in line for line in commands[1:])

    ci = (ROOT / ".ci" / "run").read_text()
    assert "\nscripts/ensure_system_packages.sh\n" in ci
    # The package list lives in the script only.
    assert "chromium" not in ci and "python3-venv" not in ci
