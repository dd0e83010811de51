"""Real servers of a test's own on loopback (moto S3, Redis, gunicorn, and the whole topology
of intentional/tests/topology.py), started on a free port and really killed by the test, for
storage, fault, slow-client and topology tests."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager, suppress
from pathlib import Path


def free_port() -> int:
    """A loopback TCP port that nothing listens on (right now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def loopback_server(argv: list[str], *, ready: str, stream: str = "stdout", **popen):
    """Run `argv` until it prints `ready` on `stream`; yield the process; kill it at the end.

    `popen` goes to `subprocess.Popen` (`env`, `cwd`)."""
    pipes = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    pipes[stream] = subprocess.PIPE
    if stream == "stdout":
        pipes["stderr"] = subprocess.STDOUT
    process = subprocess.Popen(argv, text=True, **pipes, **popen)
    try:
        for line in getattr(process, stream):
            if ready in line:
                break
        else:
            raise RuntimeError(f"{argv[0]} did not start")
        yield process
    finally:
        process.kill()
        process.wait(timeout=10)


# Werkzeug announces the address once it accepts connections (on stderr).
MOTO_READY = "Running on"
REDIS_READY = "Ready to accept connections"


def moto_argv(port: int) -> list[str]:
    return [str(Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1", "-p", str(port)]


def redis_argv(port: int) -> list[str]:
    """A redis-server on loopback without persistence (a restart empties it)."""
    executable = shutil.which("redis-server")
    if executable is None:
        raise RuntimeError("redis-server is needed (apt-get install redis-server)")
    settings = ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    return [executable, *settings]


@contextmanager
def moto_server():
    """A moto S3 server; yields `(endpoint_url, process)`."""
    port = free_port()
    with loopback_server(moto_argv(port), ready=MOTO_READY, stream="stderr") as process:
        yield f"http://127.0.0.1:{port}", process


@contextmanager
def redis_server():
    """A redis-server without persistence; yields `(url, process)`."""
    port = free_port()
    with loopback_server(redis_argv(port), ready=REDIS_READY) as process:
        yield f"redis://127.0.0.1:{port}", process


def port_is_free(port: int) -> bool:
    """Nothing listens on the loopback `port`."""
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def _processes() -> dict[int, tuple[int, int, str]]:
    """Every live (not zombie) process: pid → (parent pid, process group, /proc stat fields)."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        # pid (comm) state ppid pgrp ...: comm may hold spaces, so split after its ")".
        fields = text[text.rindex(")") + 2 :].split()
        if fields[0] != "Z":
            found[int(stat.parent.name)] = (int(fields[1]), int(fields[2]), fields)
    return found


def _family(pid: int) -> set[int]:
    """`pid`'s process group and every descendant (PostgreSQL's backends leave the group)."""
    processes = _processes()
    family = {other for other, (_, group, _) in processes.items() if group == pid}
    if pid in processes:
        family.add(pid)
    grew = True
    while grew:
        children = {other for other, (parent, _, _) in processes.items() if parent in family}
        grew = not children <= family
        family |= children
    return family


class Service:
    """A long-running server process of a test's own, in its own session, so stopping it reaches
    its children too (a `bash -c` line, gunicorn's and Celery's worker processes, PostgreSQL's
    backends). Its output goes to a log file, never a pipe, so a chatty server never blocks.

    `ready` is the text its log shows once it serves; `user` runs it as that account (PostgreSQL
    refuses to run as root)."""

    def __init__(
        self,
        name,
        argv,
        *,
        ready,
        log_dir,
        env=None,
        cwd=None,
        user=None,
        stop_signal=None,
        stop_timeout=20.0,
    ):
        self.name, self.argv, self.ready, self.env, self.cwd = name, argv, ready, env, cwd
        self.user, self.stop_signal = user, stop_signal or signal.SIGTERM
        self.stop_timeout = stop_timeout  # then SIGKILL
        self._offset = 0
        # (pid, start time) of the processes it had when stopped or killed: a pid can be reused.
        self._stopped: set[tuple[int, str]] = set()
        self.log_path = Path(log_dir) / f"{name}.log"
        self.process: subprocess.Popen | None = None

    def start(self, *, timeout: float = 120, wait: bool = True) -> "Service":
        """Start it and (unless `wait` is false: then call `wait_ready`) wait until it serves."""
        self._offset = self.log_size()
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env=self.env,
                cwd=self.cwd,
                user=self.user,
                group=self.user,
                extra_groups=[] if self.user else None,
            )
        if wait:
            self.wait_ready(timeout=timeout)
        return self

    def wait_ready(self, *, timeout: float = 120) -> "Service":
        deadline = time.monotonic() + timeout
        while self.ready not in self.log(since=self._offset):
            if self.process.poll() is not None or time.monotonic() > deadline:
                tail = self.log(since=self._offset)[-3000:]
                self.stop()
                raise RuntimeError(f"{self.name} did not start:\n{tail}")
            time.sleep(0.1)
        return self

    def log(self, *, since: int = 0) -> str:
        try:
            with self.log_path.open("rb") as log:
                log.seek(since)
                return log.read().decode(errors="replace")
        except FileNotFoundError:
            return ""

    def log_size(self) -> int:
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send `sig` to the whole process group (SIGKILL: dies at once, nothing cleaned up)."""
        if self.process is None:
            return
        self._stopped |= self._identities(_family(self.process.pid))
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)
        if sig == signal.SIGKILL:
            self._reap(timeout=10)

    def stop(self) -> None:
        """`stop_signal` (a graceful stop), then SIGKILL whatever of the group is left."""
        self.ask_to_stop()
        self.wait_stopped()

    def ask_to_stop(self) -> None:
        """Send `stop_signal` only (`wait_stopped` finishes): stop several at once."""
        if self.process is None:
            return
        self._stopped |= self._identities(_family(self.process.pid))
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, self.stop_signal)

    def wait_stopped(self) -> None:
        if self.process is None:
            return
        with suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=self.stop_timeout)
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self._reap(timeout=10)

    def _reap(self, *, timeout: float) -> None:
        self.process.wait(timeout=timeout)
        deadline = time.monotonic() + timeout
        while self.leftovers() and time.monotonic() < deadline:
            time.sleep(0.05)

    def cpu_seconds(self) -> float:
        """CPU time (user and system) used so far by its live processes."""
        if self.process is None:
            return 0.0
        processes = _processes()
        ticks = 0
        for pid in _family(self.process.pid):
            if pid in processes:
                fields = processes[pid][2]
                ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")

    @staticmethod
    def _identities(pids) -> set[tuple[int, str]]:
        processes = _processes()
        return {(pid, processes[pid][2][19]) for pid in pids if pid in processes}

    def leftovers(self) -> list[int]:
        """Its processes still alive (none once stopped)."""
        family = _family(self.process.pid) if self.process is not None else set()
        alive = self._identities(family | {pid for pid, _ in self._stopped})
        left = {pid for pid, started in alive if (pid, started) in self._stopped}
        return sorted(left | (family & {pid for pid, _ in alive}))
