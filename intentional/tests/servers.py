"""Real servers of a test's own on loopback (moto S3, Redis, gunicorn), started on a free port
and really killed by the test, for storage, fault and slow-client tests."""

import socket
import subprocess
import sys
from contextlib import contextmanager
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


@contextmanager
def moto_server():
    """A moto S3 server; yields `(endpoint_url, process)`."""
    port = free_port()
    executable = str(Path(sys.executable).with_name("moto_server"))
    # Werkzeug announces the address once it accepts connections.
    with loopback_server(
        [executable, "-H", "127.0.0.1", "-p", str(port)], ready="Running on", stream="stderr"
    ) as process:
        yield f"http://127.0.0.1:{port}", process
