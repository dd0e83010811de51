"""The production topology on loopback, every part its own process (README "Scaling"):

- a PostgreSQL primary (a temporary cluster made with initdb) and a streaming replica made
  from it with `pg_basebackup -R`, each on a free port;
- Redis, as the cache (db 0) and the Celery broker (db 1), without persistence;
- two gunicorn web nodes, one Celery worker per queue (digest, email, media, default) and beat,
  each started from its Procfile line (web nodes bound to 127.0.0.1);
- an SMTP server that stores every message it accepts (intentional/tests/smtp_sink.py) and
  moto_server as S3.

The drills in intentional/tests/test_topology.py run against it (`scripts/topology.sh`). To
look around by hand: `python -m intentional.tests.topology` starts it all, prints where
everything listens and stops it all on Ctrl-C.
"""

import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from email import message_from_bytes, policy
from pathlib import Path

import boto3
import psycopg

from intentional.tests.servers import (
    MOTO_READY,
    REDIS_READY,
    Service,
    free_port,
    moto_argv,
    port_is_free,
    redis_argv,
)
from intentional.tests.smtp_sink import READY as SMTP_READY

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
QUEUES = ("digest", "email", "media", "default")
WEB_NODES = ("web1", "web2")
BUCKET = "intentional-topology"
DATABASE = "intentional"
DIGEST_SUBJECT = "Your week with Intentional"
# Short enough for drills that take seconds, not hours; each is the production setting's meaning.
SETTINGS = {
    "DIGEST_SCHEDULE_SECONDS": "2",  # beat's digest schedule (hourly in production)
    "DIGEST_SEND_HOUR": "0",  # last week's digest is due whatever the hour of the run
    "CELERY_TASK_TIME_LIMIT": "12",  # also the digest claim lease (DIGEST_CLAIM_LEASE)
    "CELERY_TASK_SOFT_TIME_LIMIT": "10",
    "CELERY_VISIBILITY_TIMEOUT": "10",  # a dead worker's task goes to another after this
    "NOTIFICATION_EMAIL_BATCH_SECONDS": "1",  # instant notification emails: 10 min in production
}


def procfile(path: Path = ROOT / "Procfile") -> dict[str, str]:
    """The Procfile's process types and their command lines."""
    lines = (line.partition(":") for line in path.read_text().splitlines() if ":" in line)
    return {name.strip(): command.strip() for name, _, command in lines}


def postgres_bin() -> Path:
    """The directory of the PostgreSQL server programs (initdb, postgres, pg_basebackup)."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda initdb: int(initdb.parent.parent.name),
    )
    if found:
        return found[-1].parent
    pg_config = shutil.which("pg_config")
    if pg_config:
        bindir = Path(subprocess.check_output([pg_config, "--bindir"], text=True).strip())
        if (bindir / "initdb").exists():
            return bindir
    raise RuntimeError("PostgreSQL's server programs are needed (apt-get install postgresql)")


class Topology:
    """Every process of the topology, under `root` (data, logs, mail). `start()`, `stop()`."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.root.chmod(0o755)  # PostgreSQL's account reaches its data directories in here
        self.logs = self.root / "logs"
        self.mail = self.root / "mail"
        self.logs.mkdir()
        self.mail.mkdir()
        self.bin = postgres_bin()
        # PostgreSQL refuses to run as root: its clusters then belong to the postgres account.
        self.pg_user = "postgres" if os.geteuid() == 0 else None
        names = ("primary", "replica", "redis", "smtp", "s3", *WEB_NODES)
        ports: set[int] = set()
        while len(ports) < len(names):
            ports.add(free_port())
        self.ports = dict(zip(names, sorted(ports), strict=True))
        self.profile = procfile()
        self.services: dict[str, Service] = {}
        self.started_in = 0.0

    # --- Addresses --------------------------------------------------------------------------

    def url(self, node: str) -> str:
        return f"http://127.0.0.1:{self.ports[node]}"

    def database_url(self, name: str = "primary") -> str:
        return f"postgres://postgres@127.0.0.1:{self.ports[name]}/{DATABASE}"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.ports['redis']}"

    @property
    def s3_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3']}"

    def env(self) -> dict[str, str]:
        """The environment of every application process: production settings (DEBUG off)
        pointing at this topology."""
        return {
            "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "HOME": os.environ.get("HOME", "/tmp"),
            "LANG": "C.UTF-8",
            "PYTHONUNBUFFERED": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            "DJANGO_SETTINGS_MODULE": "intentional.settings.base",
            "DEBUG": "false",
            "SECRET_KEY": "topology-" + "k" * 50,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SITE_URL": self.url("web1"),
            # Plain HTTP on loopback: no HTTPS redirect, cookies without the Secure flag.
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "DATABASE_URL": self.database_url("primary"),
            "DATABASE_REPLICA_URL": self.database_url("replica"),
            "REDIS_URL": f"{self.redis_url}/0",
            "CELERY_BROKER_URL": f"{self.redis_url}/1",
            "EMAIL_URL": f"smtp://127.0.0.1:{self.ports['smtp']}",
            "AWS_STORAGE_BUCKET_NAME": BUCKET,
            "AWS_S3_ENDPOINT_URL": self.s3_endpoint,
            "AWS_S3_REGION_NAME": "us-east-1",
            "AWS_ACCESS_KEY_ID": "topology",
            "AWS_SECRET_ACCESS_KEY": "topology",
            # Everyone comes from 127.0.0.1 here: limits as in production, only higher.
            "RATELIMIT_REGISTER": "1000/h",
            "RATELIMIT_LOGIN": "1000/m",
            "RATELIMIT_POST": "1000/h",
            "RATELIMIT_COMMENT": "1000/h",
            "RATELIMIT_CONNECTION_REQUEST": "1000/d",
            "LOG_FORMAT": "text",
            "LOG_LEVEL": "INFO",
            "WEB_CONCURRENCY": "1",
            "WEB_THREADS": "4",
            "WORKER_CONCURRENCY": "1",
            **SETTINGS,
        }

    # --- Processes ----------------------------------------------------------------------------

    def _as_postgres(self, argv: list[str], **run) -> None:
        subprocess.run(argv, user=self.pg_user, check=True, capture_output=True, **run)

    def _postgres(self, name: str, data: Path, *, ready: str) -> Service:
        argv = [str(self.bin / "postgres"), "-D", str(data), "-p", str(self.ports[name])]
        for setting in (
            "listen_addresses=127.0.0.1",
            "unix_socket_directories=",
            "fsync=off",
            "max_connections=200",
        ):
            argv += ["-c", setting]
        # SIGINT: PostgreSQL's fast shutdown (sessions ended, clean), not a wait for clients.
        return Service(
            name,
            argv,
            ready=ready,
            log_dir=self.logs,
            user=self.pg_user,
            stop_signal=signal.SIGINT,
        )

    def _app(self, name: str, command: str, *, ready: str, env=None, **options) -> Service:
        return Service(
            name,
            # exec: the last program of the line replaces the shell (signals reach it directly).
            ["bash", "-c", re.sub(r"^(.*&& )?", r"\1exec ", command, count=1)],
            ready=ready,
            log_dir=self.logs,
            env={**self.env(), **(env or {})},
            cwd=ROOT,
            **options,
        )

    def _add(self, service: Service) -> Service:
        self.services[service.name] = service
        return service

    def __getitem__(self, name: str) -> Service:
        return self.services[name]

    def start(self) -> "Topology":
        began = time.monotonic()
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        self.started_in = time.monotonic() - began
        return self

    def _start(self) -> None:
        clusters = self.root / "pg"
        clusters.mkdir()
        if self.pg_user:
            account = pwd.getpwnam(self.pg_user)
            os.chown(clusters, account.pw_uid, account.pw_gid)
        primary_data, replica_data = clusters / "primary", clusters / "replica"
        self._as_postgres(
            [str(self.bin / "initdb"), "-D", str(primary_data), "-U", "postgres", "-A", "trust"]
            + ["--no-sync", "-E", "UTF8", "--locale", "C"]
        )
        primary = self._add(
            self._postgres("primary", primary_data, ready="ready to accept connections")
        )
        primary.start(wait=False)
        redis = self._add(
            Service("redis", redis_argv(self.ports["redis"]), ready=REDIS_READY, log_dir=self.logs)
        )
        s3 = self._add(
            Service("s3", moto_argv(self.ports["s3"]), ready=MOTO_READY, log_dir=self.logs)
        )
        smtp = self._add(self._smtp())
        for service in (redis, s3, smtp):
            service.start(wait=False)
        primary.wait_ready()
        with self.sql("primary", database="postgres") as connection:
            connection.execute(f"CREATE DATABASE {DATABASE}")
        # The replica: a base backup of the primary, streaming from it (-R writes the settings).
        self._as_postgres(
            [str(self.bin / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.ports["primary"])]
            + ["-U", "postgres", "-D", str(replica_data), "-R", "-X", "stream", "-c", "fast"]
        )
        replica = self._add(
            self._postgres("replica", replica_data, ready="ready to accept read-only connections")
        )
        replica.start(wait=False)
        # The Procfile's release step: migrations, on the primary.
        with (self.logs / "release.log").open("wb") as log:
            subprocess.run(
                ["bash", "-c", self.profile["release"]],
                env=self.env(),
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                check=True,
            )
        for service in (redis, s3, smtp):
            service.wait_ready()
        self.s3_bucket()
        apps = [self._add(self._web("web1"))]
        apps += [self._add(self._worker(queue)) for queue in QUEUES]
        apps.append(self._add(self._beat()))
        for service in apps:
            service.start(wait=False)
        replica.wait_ready()
        for service in apps:
            service.wait_ready()
        # One node at a time: each runs collectstatic (its Procfile line) into the same folder,
        # which a booting node reads.
        self.wait_http("web1")
        self._add(self._web("web2")).start()
        self.wait_http("web2")

    def _smtp(self) -> Service:
        argv = [sys.executable, "-m", "intentional.tests.smtp_sink"]
        argv += ["--port", str(self.ports["smtp"]), "--dir", str(self.mail)]
        return Service("smtp", argv, ready=SMTP_READY, log_dir=self.logs, cwd=ROOT)

    def _web(self, node: str) -> Service:
        command = self.profile["web"].replace("${PORT:-8000}", str(self.ports[node]))
        command = command.replace("--bind 0.0.0.0:", "--bind 127.0.0.1:")
        # SIGINT: gunicorn's quick shutdown (SIGTERM waits up to 30 s for keep-alive clients).
        # Gunicorn's control socket defaults to ~/.gunicorn/gunicorn.ctl: one per node here,
        # or the second node takes the first's (and stopping them hangs).
        control = f"--control-socket {self.root / node}.ctl"
        return self._app(
            node,
            command,
            ready="Booting worker",
            env={"GUNICORN_CMD_ARGS": control},
            stop_signal=signal.SIGINT,
            # A worker sometimes outlives its quick shutdown: killed after 5 s, as in drill 5.
            stop_timeout=5.0,
        )

    def _worker(self, queue: str) -> Service:
        command = re.sub(
            r"--queues \S+", f"--queues {queue} --hostname {queue}@%h", self.profile["worker"]
        )
        return self._app(f"worker-{queue}", command, ready=" ready.")

    def _beat(self) -> Service:
        schedule = self.root / "beat-schedule"
        return self._app("beat", f"{self.profile['beat']} --schedule {schedule}", ready="Starting")

    def s3_bucket(self) -> None:
        """Create the bucket (moto keeps nothing across a restart, like a new, empty S3)."""
        boto3.client(
            "s3",
            endpoint_url=self.s3_endpoint,
            aws_access_key_id="topology",
            aws_secret_access_key="topology",
            region_name="us-east-1",
        ).create_bucket(Bucket=BUCKET)

    def s3_keys(self) -> list[str]:
        listing = boto3.client(
            "s3",
            endpoint_url=self.s3_endpoint,
            aws_access_key_id="topology",
            aws_secret_access_key="topology",
            region_name="us-east-1",
        ).list_objects_v2(Bucket=BUCKET)
        return [item["Key"] for item in listing.get("Contents", [])]

    def wait_http(self, node: str, *, timeout: float = 60) -> None:
        import requests

        deadline = time.monotonic() + timeout
        while True:
            try:
                if requests.get(f"{self.url(node)}/health/", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{node} does not answer:\n{self[node].log()[-3000:]}")
            time.sleep(0.2)

    def restart(self, name: str) -> None:
        self[name].stop()
        self[name].start()
        if name in WEB_NODES:
            self.wait_http(name)

    def stop(self) -> dict[str, list[int]]:
        """Stop everything, applications first; return what is left (nothing, normally)."""
        infrastructure = {"primary", "replica", "redis", "smtp", "s3"}
        for names in (self.services.keys() - infrastructure, infrastructure & self.services.keys()):
            for name in names:
                self[name].ask_to_stop()
            for name in names:
                self[name].wait_stopped()
        return {name: left for name, s in self.services.items() if (left := s.leftovers())}

    def ports_in_use(self) -> list[int]:
        return [port for port in self.ports.values() if not port_is_free(port)]

    # --- Looking inside -----------------------------------------------------------------------

    def sql(self, name: str = "primary", *, database: str = DATABASE) -> psycopg.Connection:
        return psycopg.connect(
            host="127.0.0.1",
            port=self.ports[name],
            user="postgres",
            dbname=database,
            autocommit=True,
            connect_timeout=5,
        )

    def query(self, name: str, sql: str, params=None) -> list[tuple]:
        with self.sql(name) as connection:
            return connection.execute(sql, params).fetchall()

    def replica_delay(self, seconds: int) -> None:
        """Make the replica apply the primary's changes `seconds` late
        (recovery_min_apply_delay), or on time again with 0."""
        settings = self.root / "pg" / "replica" / "postgresql.auto.conf"
        lines = [
            line
            for line in settings.read_text().splitlines()
            if not line.startswith("recovery_min_apply_delay")
        ]
        lines.append(f"recovery_min_apply_delay = '{seconds}s'")
        settings.write_text("\n".join(lines) + "\n")
        os.kill(self["replica"].process.pid, signal.SIGHUP)  # reloads its settings

    def replica_caught_up(self) -> bool:
        (primary_lsn,) = self.query("primary", "SELECT pg_current_wal_lsn()")[0]
        (behind,) = self.query(
            "replica", "SELECT pg_wal_lsn_diff(%s, pg_last_wal_replay_lsn())", [primary_lsn]
        )[0]
        return behind <= 0

    def messages(self) -> list[tuple[str, str]]:
        """(recipient, subject) of every message the SMTP server accepted."""
        found = []
        for path in sorted(self.mail.glob("[0-9]*.eml")):
            message = message_from_bytes(path.read_bytes(), policy=policy.default)
            recipient = message["To"].addresses[0].addr_spec  # "Name <address>" or address
            found.append((recipient, str(message["Subject"]).strip()))
        return found

    def recipients_of(self, text: str) -> list[str]:
        """The recipient once for each time `text` stands in the text part of an accepted
        message (an instant notification email lists several notifications, one a line)."""
        found = []
        for path in sorted(self.mail.glob("[0-9]*.eml")):
            message = message_from_bytes(path.read_bytes(), policy=policy.default)
            body = message.get_body(preferencelist=("plain",))
            if body is not None:
                recipient = message["To"].addresses[0].addr_spec
                found += [recipient] * body.get_content().count(text)
        return found

    def digests_to(self, emails) -> dict[str, int]:
        """How many digest emails each of `emails` received."""
        counts = dict.fromkeys(emails, 0)
        for recipient, subject in self.messages():
            if recipient in counts and subject.startswith(DIGEST_SUBJECT):
                counts[recipient] += 1
        return counts


def wait_for(condition, *, timeout: float, what: str, interval: float = 0.2):
    """Poll `condition()` until it returns something true (returned) or fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="topology-"))
    topology = Topology(root)
    try:
        topology.start()
        lines = [f"Started in {topology.started_in:.0f} s; logs in {topology.logs}"]
        lines += [f"  {name:8} 127.0.0.1:{port}" for name, port in topology.ports.items()]
        sys.stdout.write("\n".join([*lines, "Ctrl-C stops everything.", ""]))
        sys.stdout.flush()
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    finally:
        left = topology.stop()
        in_use = topology.ports_in_use()
        sys.stdout.write(f"Stopped. Left running: {left or 'nothing'}; ports in use: {in_use}\n")
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
