"""Process settings for the web workers (intentional/wsgi.py), also used by `manage.py bench`."""

import gc
import socket

from django.conf import settings

# Young objects are collected every this many allocations instead of CPython's 700: an API
# feed request allocates about 1,900, which cost ~3 young collections per request.
SERVING_GC_YOUNG_THRESHOLD = 10_000


def gc_tune_for_serving() -> tuple[int, int, int]:
    """Leave the objects loaded so far (Django, apps, models: they live as long as the
    process) out of every later collection, and collect young objects less often; returns
    the previous thresholds. Only when collections run changes, never what is collected.

    Measured on the API feed through Django's WSGI handler (docs/performance.md): a full
    collection no longer walks the ~140,000 start-up objects in the middle of a request.
    """
    previous = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(SERVING_GC_YOUNG_THRESHOLD, 20, 20)
    return previous


def gc_untune(previous: tuple[int, int, int]) -> None:
    """Undo `gc_tune_for_serving` (the bench measures the digest batch as the worker runs)."""
    gc.unfreeze()
    gc.set_threshold(*previous)


class _StallNoticingInput:
    """`wsgi.input` that remembers whether a read timed out (the client stopped sending)."""

    def __init__(self, stream):
        self.stream = stream
        self.stalled = False

    def _call(self, method, *args):
        try:
            return method(*args)
        except TimeoutError:
            self.stalled = True
            raise

    def read(self, *args):
        return self._call(self.stream.read, *args)

    def readline(self, *args):
        return self._call(self.stream.readline, *args)

    def readlines(self, *args):
        return self._call(self.stream.readlines, *args)

    def __iter__(self):
        return iter(self.readline, b"")


def body_read_timeout(application):
    """Wrap a WSGI application so that, under gunicorn, every read of the request body waits at
    most `settings.REQUEST_BODY_TIMEOUT` seconds for data (SPEC §7, slow clients).

    Without it a client that sends an upload's headers and then stalls holds its worker thread
    for as long as it keeps the connection open. With it the read fails (Django raises
    `UnreadablePostError`, answered 408 by `ExceptionAnswersMiddleware`, or 403 by the CSRF
    check that was reading the form), the thread is free again, and the connection is closed
    after the answer. Only the application's own body reads are bounded: the timeout is lifted
    before gunicorn writes the response, so a slow download is not cut. Servers without
    `gunicorn.socket` (the test client, runserver) are unaffected.
    """

    def guarded(environ, start_response):
        sock = environ.get("gunicorn.socket")
        if sock is None:
            return application(environ, start_response)
        body = environ["wsgi.input"] = _StallNoticingInput(environ["wsgi.input"])
        sock.settimeout(settings.REQUEST_BODY_TIMEOUT)
        try:
            return application(environ, start_response)
        finally:
            # gunicorn's threads use blocking sockets (no timeout) outside this call.
            sock.settimeout(None)
            if body.stalled:
                # Nothing more will be read from this client. Without this, gunicorn's
                # graceful close would wait up to 2 s for it on the worker's main thread,
                # which accepts every other connection.
                sock.shutdown(socket.SHUT_RD)

    return guarded
