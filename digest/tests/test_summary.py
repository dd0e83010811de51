"""The built-in summary generator and the LLM client with its fallback.

The client is tested against a small HTTP server on loopback started by the test: no network.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest

from digest.summary import (
    QUIET_WEEK,
    SOURCE_BUILTIN,
    SOURCE_LLM,
    summary_builtin,
    summary_generate,
    summary_quote,
)


def fake_post(name, body, *, milestone=False, importance=2.0):
    return SimpleNamespace(
        author=SimpleNamespace(name=name), body=body, is_milestone=milestone, importance=importance
    )


# --- built-in -----------------------------------------------------------------------------------


def test_quiet_week():
    assert summary_builtin([]) == QUIET_WEEK


@pytest.mark.parametrize(
    ("body", "quote"),
    [
        ("Short one.", "Short one."),
        ("First sentence! Then more.", "First sentence!"),
        ("one two three four five six seven eight nine ten eleven twelve thirteen",
         "one two three four five six seven eight nine ten eleven twelve…"),
        ("  spaced\n\nout  ", "spaced out"),
        ("", ""),
    ],
)  # fmt: skip
def test_quote(body, quote):
    assert summary_quote(body) == quote


def test_milestones_come_first_with_names_and_quotes():
    posts = [
        fake_post("Alice", "Bread again. It rose!", importance=2.5),
        fake_post("Bob", "We got married! Best day ever.", milestone=True, importance=8),
        fake_post("Alice", "Climbed the north face today with Carol.", importance=4),
    ]
    summary = summary_builtin(posts)
    # A quote that ends its own sentence gets no second full stop.
    assert summary.startswith("Big news from Bob: “We got married!” Alice and Bob")
    assert "Alice and Bob shared 3 moments with you." in summary
    assert summary.endswith("Alice wrote “Climbed the north face today with Carol.”")
    assert summary_builtin(posts) == summary  # deterministic


def test_several_milestones_and_many_people_stay_within_four_sentences():
    posts = [fake_post(f"P{i}", f"Event {i}.", milestone=True, importance=8) for i in range(5)]
    posts += [fake_post("Q", "", importance=2)]  # a photo-only post
    summary = summary_builtin(posts)
    assert summary.startswith("A week of milestones: P0 (“Event 0.”), P1 (“Event 1.”) and P2")
    assert "and 2 more." in summary
    assert "P0, P1, P2 and 3 others shared 6 moments with you." in summary
    assert summary.count(". ") + 1 <= 4
    assert "wrote" not in summary  # the photo-only post has no quote


def test_one_person_with_several_milestones_is_named_once():
    posts = [
        fake_post("Carol Tanaka", "Signed the lease on my own flat.", milestone=True, importance=8),
        fake_post("Bob", "New bike.", importance=3),
        fake_post("Carol Tanaka", "Got the job!", milestone=True, importance=8),
    ]
    summary = summary_builtin(posts)
    assert summary.startswith(
        "Big news from Carol Tanaka: “Signed the lease on my own flat.” and “Got the job!” "
    )
    assert summary.count("Carol Tanaka") == 2  # the milestones, then who shared
    assert "Carol Tanaka and Bob shared 3 moments with you." in summary


def test_milestones_of_several_people_name_each_person_once():
    posts = [
        fake_post("Carol", "Signed the lease.", milestone=True, importance=8),
        fake_post("Dan", "", milestone=True, importance=8),
        fake_post("Carol", "Got the job!", milestone=True, importance=8),
        fake_post("Dan", "", milestone=True, importance=8),
    ]
    summary = summary_builtin(posts)
    # The first three milestones, milestones first; photo-only ones counted, not repeated.
    assert summary.startswith(
        "A week of milestones: Carol (“Signed the lease.”, “Got the job!”) and Dan (a photo), "
        "and 1 more. Carol and Dan shared 4 moments with you."
    )
    assert summary.count("Carol") == 2 and summary.count("Dan") == 2
    two_photos = summary_builtin([fake_post("Dan", "", milestone=True) for _ in range(2)])
    assert two_photos.startswith("Big news from Dan: 2 photos. ")


def test_photo_only_milestone():
    summary = summary_builtin([fake_post("Dan", "", milestone=True, importance=8)])
    assert summary == "Big news from Dan: a photo. Dan shared 1 moment with you."


# --- LLM client ---------------------------------------------------------------------------------


class LLMServer:
    """A loopback HTTP server answering chat completions as the test tells it to."""

    def __init__(self):
        self.requests: list[dict] = []
        self.status = 200
        self.body: bytes = b""
        self.hang = threading.Event()  # set → answer; unset while `hanging` → never answer
        self.hanging = False
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                server.requests.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "json": json.loads(self.rfile.read(length)),
                    }
                )
                if server.hanging:
                    server.hang.wait(timeout=5)  # the client gives up long before
                    return
                self.send_response(server.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(server.body)))
                self.end_headers()
                self.wfile.write(server.body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def answer(self, content):
        self.body = json.dumps(
            {"choices": [{"message": {"role": "assistant", "content": content}}]}
        )
        self.body = self.body.encode()


@pytest.fixture
def llm(settings):
    server = LLMServer()
    server.thread.start()
    settings.LLM_API_URL = server.url
    settings.LLM_API_KEY = "sk-test"
    settings.LLM_MODEL = "test-model"
    settings.LLM_TIMEOUT = 0.5
    yield server
    server.hang.set()
    server.httpd.shutdown()
    server.httpd.server_close()


POSTS = [
    fake_post("Bob", "We got married!", milestone=True, importance=8),
    fake_post("Alice", "New bread recipe.", importance=2),
]


def test_llm_answer_is_used_and_the_request_is_well_formed(llm):
    llm.answer("  Bob got married, and Alice baked.  ")
    assert summary_generate(POSTS) == ("Bob got married, and Alice baked.", SOURCE_LLM)
    [request] = llm.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["Authorization"] == "Bearer sk-test"
    assert request["json"]["model"] == "test-model"
    roles = [message["role"] for message in request["json"]["messages"]]
    assert roles == ["system", "user"]
    user_text = request["json"]["messages"][1]["content"]
    assert "Bob (life event): We got married!" in user_text
    assert "Alice: New bread recipe." in user_text


def test_full_endpoint_url_is_used_as_is(llm, settings):
    settings.LLM_API_URL = f"{llm.url}/custom/v1/chat/completions"
    llm.answer("Fine.")
    assert summary_generate(POSTS)[1] == SOURCE_LLM
    assert llm.requests[0]["path"] == "/custom/v1/chat/completions"


def test_long_answer_is_cut_at_a_sentence(llm):
    llm.answer("A sentence. " * 100)
    summary, source = summary_generate(POSTS)
    assert source == SOURCE_LLM
    assert len(summary) <= 600
    assert summary.endswith(".")


def test_falls_back_on_timeout(llm):
    llm.hanging = True
    assert summary_generate(POSTS) == (summary_builtin(POSTS), SOURCE_BUILTIN)
    assert len(llm.requests) == 1


@pytest.mark.parametrize("status", [400, 401, 429, 500, 503])
def test_falls_back_on_http_error(llm, status):
    llm.status = status
    llm.answer("Should not be used.")
    assert summary_generate(POSTS) == (summary_builtin(POSTS), SOURCE_BUILTIN)


@pytest.mark.parametrize(
    "body",
    [
        b"not json at all",
        b"",
        b"\xff\xfe",
        b'{"choices": []}',
        b'{"choices": [{"message": {}}]}',
        b'{"choices": [{"message": {"content": null}}]}',
        b'{"choices": [{"message": {"content": 42}}]}',
        b'{"choices": [{"message": {"content": "   "}}]}',
        b'["a", "list"]',
        b'{"error": {"message": "quota"}}',
    ],
)
def test_falls_back_on_garbage_answers(llm, body):
    llm.body = body
    assert summary_generate(POSTS) == (summary_builtin(POSTS), SOURCE_BUILTIN)
    assert len(llm.requests) == 1


def test_falls_back_when_nothing_listens(settings):
    server = LLMServer()  # bound but never serving, then closed: the port refuses
    settings.LLM_API_URL = server.url
    server.httpd.server_close()
    assert summary_generate(POSTS) == (summary_builtin(POSTS), SOURCE_BUILTIN)


def test_quiet_week_never_calls_the_endpoint(llm):
    llm.answer("Should not be used.")
    assert summary_generate([]) == (QUIET_WEEK, SOURCE_BUILTIN)
    assert llm.requests == []


def test_without_url_the_builtin_is_used(settings):
    settings.LLM_API_URL = ""
    assert summary_generate(POSTS) == (summary_builtin(POSTS), SOURCE_BUILTIN)
