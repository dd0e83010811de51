"""A loopback SMTP server of the topology harness: every message it accepts (answers 250 to) is
stored as one file, so a test counts what really arrived, not what the application recorded.

    python -m intentional.tests.smtp_sink --port 2525 --dir /tmp/mail

Hold: while DIR/hold exists and names a recipient, a message to them waits before its 250
(as on a slow server) and DIR/held is written; a client that dies meanwhile delivered nothing.
"""

import argparse
import asyncio
import sys
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller

READY = "smtp sink ready"


class Sink:
    def __init__(self, directory: Path):
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        hold = self.directory / "hold"
        if hold.exists() and hold.read_text().strip() in envelope.rcpt_tos:
            (self.directory / "held").write_text(",".join(envelope.rcpt_tos))
            while hold.exists():
                await asyncio.sleep(0.05)
            if server.transport is None or server.transport.is_closing():
                return "451 the client went away"
        self.count += 1
        name = f"{time.time_ns()}-{self.count}.eml"
        temporary = self.directory / f".{name}"
        temporary.write_bytes(envelope.original_content or envelope.content)
        temporary.rename(self.directory / name)  # whole files only
        return "250 OK"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", type=Path, required=True)
    arguments = parser.parse_args()
    arguments.dir.mkdir(parents=True, exist_ok=True)
    controller = Controller(Sink(arguments.dir), hostname="127.0.0.1", port=arguments.port)
    controller.start()
    sys.stdout.write(f"{READY}\n")
    sys.stdout.flush()
    threading.Event().wait()  # until killed


if __name__ == "__main__":
    main()
