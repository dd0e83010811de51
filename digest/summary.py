"""The digest's summary: 1-4 sentences about the week (SPEC §5).

The built-in generator is deterministic and offline. When LLM_API_URL is set, an
OpenAI-compatible chat endpoint writes it instead, given only the selected posts (which the
recipient can see); any failure falls back to the built-in one, and the source is recorded.
"""

import hashlib
import http.client
import json
import logging
import re
import urllib.request
from collections.abc import Sequence
from typing import Protocol

from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

logger = logging.getLogger(__name__)

SOURCE_BUILTIN = "builtin"
SOURCE_LLM = "llm"
QUIET_WEEK = gettext_lazy("Nobody shared anything this week.")
# An answer longer than this is cut at a sentence end (or hard) before it is stored.
MAX_SUMMARY_CHARS = 600
QUOTE_WORDS = 12
# What the endpoint gets per post, at most: enough for a summary, bounded for the request size.
LLM_POST_CHARS = 1000


class _Author(Protocol):
    name: str


class SummaryPost(Protocol):
    """What a summary needs of a post (a `social.Post` with its photos prefetched)."""

    author: _Author
    body: str
    is_milestone: bool


def summary_language() -> str:
    """The language a summary written now is in: the active one (SPEC §12; the digest's
    services write as the recipient, `intentional.languages.recipient_language`)."""
    return translation.get_language() or settings.LANGUAGE_CODE


def summary_basis(posts, *, language: str | None = None) -> str:
    """A fingerprint of what a summary is written from: each post's id, milestone flag and text,
    in order, and the language it is written in (`summary_language`). A stored summary whose
    basis differs from the posts its reader can see now may quote text that is gone (an edit,
    a narrowed audience, a deletion), or be in another language, and is written again."""
    language = language or summary_language()
    written_from = [[post.pk, post.is_milestone, post.body] for post in posts]
    if language != settings.LANGUAGE_CODE:
        # The default language keeps the fingerprint summaries had before there were others.
        written_from = [language, written_from]
    return hashlib.sha256(json.dumps(written_from).encode()).hexdigest()


def summary_quote(body: str, *, words: int = QUOTE_WORDS) -> str:
    """The body's first sentence or first `words` words, whitespace collapsed."""
    text = " ".join(body.split())
    if not text:
        return ""
    first_sentence = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    parts = first_sentence.split(" ")
    if len(parts) > words:
        return " ".join(parts[:words]).rstrip(",;:-") + "…"
    return first_sentence


def _number(value: int) -> str:
    """A count as the language writes numbers."""
    return formats.number_format(value)


def _separator() -> str:
    # Translators: between the items of a list but the last two: "Ana, Bob and Cy".
    return pgettext("list", ", ")


def _names(names: list[str]) -> str:
    """["A"] → "A"; ["A", "B"] → "A and B"; ["A", "B", "C"] → "A, B and C" (in the language)."""
    if len(names) <= 1:
        return "".join(names)
    # Translators: the last two items of a list of names or quotes: "Ana, Bob and Cy".
    return pgettext("list", "%(items)s and %(last)s") % {
        "items": _separator().join(names[:-1]),
        "last": names[-1],
    }


def _quote_marks(quote: str) -> str:
    # Translators: a quotation from a post, with the language's quotation marks.
    return pgettext("summary", "“%(quote)s”") % {"quote": quote}


def _photos(count: int) -> str:
    """A post (or several) with no words: "a photo", "2 photos"."""
    return ngettext("a photo", "%(count)s photos", count) % {"count": _number(count)}


def _quoted(post: SummaryPost) -> str:
    quote = summary_quote(post.body)
    return _quote_marks(quote) if quote else _photos(1)


def _quotes(posts: Sequence[SummaryPost]) -> list[str]:
    """One person's posts as quotes, photo-only ones counted once at the end ("2 photos")."""
    texts = map(summary_quote, (post.body for post in posts))
    quotes = [_quote_marks(quote) for quote in texts if quote]
    photos = len(posts) - len(quotes)
    if photos:
        quotes.append(_photos(photos))
    return quotes


def _milestones(milestones: Sequence[SummaryPost]) -> str:
    """The milestones sentence: the first three, each person named once with their quotes."""
    shown = milestones[:3]
    by_person: dict[str, list[SummaryPost]] = {}
    for post in shown:
        by_person.setdefault(post.author.name, []).append(post)
    more = len(milestones) - len(shown)
    if len(by_person) == 1:
        [(name, posts)] = by_person.items()
        values = {"name": name, "quotes": _names(_quotes(posts)), "count": _number(more)}
        if more:
            text = ngettext(
                "Big news from %(name)s: %(quotes)s, and %(count)s more",
                "Big news from %(name)s: %(quotes)s, and %(count)s more",
                more,
            )
        else:
            text = _("Big news from %(name)s: %(quotes)s")
        return _sentence(text % values)
    parts = [
        # Translators: a person and what they shared: "Ana (“We got married!”, a photo)".
        pgettext("summary", "%(name)s (%(quotes)s)")
        % {"name": name, "quotes": _separator().join(_quotes(posts))}
        for name, posts in by_person.items()
    ]
    values = {"people": _names(parts), "count": _number(more)}
    if more:
        return (
            ngettext(
                "A week of milestones: %(people)s, and %(count)s more.",
                "A week of milestones: %(people)s, and %(count)s more.",
                more,
            )
            % values
        )
    return _("A week of milestones: %(people)s.") % values


def _sentence(text: str) -> str:
    """`text` ending in a full stop, unless a quote at its end already closes it (“…!”)."""
    if re.search(r"[.!?…]\W*$", text):
        return text
    # Translators: ends a sentence that has no end mark of its own.
    return pgettext("summary", "%(text)s.") % {"text": text}


def summary_builtin(posts: Sequence[SummaryPost]) -> str:
    """1-4 sentences in the active language: milestones first, then who shared, then one
    highlight."""
    if not posts:
        return str(QUIET_WEEK)
    sentences = []
    milestones = [post for post in posts if post.is_milestone]
    if milestones:
        sentences.append(_milestones(milestones))

    people = _people_in_order(posts)
    if len(people) > 4:
        others = len(people) - 3
        who = ngettext(
            "%(names)s and %(count)s other", "%(names)s and %(count)s others", others
        ) % {"names": _separator().join(people[:3]), "count": _number(others)}
    else:
        who = _names(people)
    sentences.append(
        ngettext(
            "%(who)s shared %(count)s moment with you.",
            "%(who)s shared %(count)s moments with you.",
            len(posts),
        )
        % {"who": who, "count": _number(len(posts))}
    )

    others = [post for post in posts if not post.is_milestone]
    if others:
        # The most important of the rest (posts arrive chronologically; the sort is stable).
        top = max(others, key=lambda post: getattr(post, "importance", 0))
        if top.body.strip():
            sentences.append(
                _sentence(
                    _("%(name)s wrote %(quote)s") % {"name": top.author.name, "quote": _quoted(top)}
                )
            )
    return " ".join(sentences[:4])


def _people_in_order(posts: Sequence[SummaryPost]) -> list[str]:
    """Authors' names, most posts first, then by first appearance (deterministic)."""
    counts: dict[str, int] = {}
    for post in posts:
        counts[post.author.name] = counts.get(post.author.name, 0) + 1
    order = list(counts)
    return sorted(order, key=lambda name: (-counts[name], order.index(name)))


def _endpoint(url: str) -> str:
    """Accept a base URL ("https://host", "https://host/v1") or the full endpoint."""
    url = url.rstrip("/")
    if url.endswith("/chat/completions"):
        return url
    if url.endswith("/v1"):
        return f"{url}/chat/completions"
    return f"{url}/v1/chat/completions"


def _language_name() -> str:
    """The active language's English name ("French"), for the endpoint's instructions."""
    try:
        return translation.get_language_info(summary_language())["name"]
    except KeyError:
        return "English"


def llm_messages(posts: Sequence[SummaryPost]) -> list[dict]:
    """The chat messages: an instruction and the selected posts' authors and text, nothing else."""
    lines = []
    for post in posts:
        marker = " (life event)" if post.is_milestone else ""
        body = " ".join(post.body.split())[:LLM_POST_CHARS] or "(a photo)"
        lines.append(f"- {post.author.name}{marker}: {body}")
    return [
        {
            "role": "system",
            "content": (
                "You write the summary at the top of a weekly digest of posts from a person's "
                "close friends and family. Write 1 to 4 warm, plain sentences in "
                f"{_language_name()}: who "
                "shared, life events first, names and at most short quotes. Do not invent "
                "anything; use only the posts given. No greeting, no lists, no markdown."
            ),
        },
        {"role": "user", "content": "This week's posts:\n" + "\n".join(lines)},
    ]


def _clean_answer(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= MAX_SUMMARY_CHARS:
        return text
    cut = text[:MAX_SUMMARY_CHARS]
    end = max(cut.rfind(". "), cut.rfind("! "), cut.rfind("? "))
    return cut[: end + 1] if end > 0 else cut.rstrip() + "…"


def summary_llm(posts: Sequence[SummaryPost]) -> str:
    """Ask the configured chat endpoint; raises on any failure or an empty answer."""
    payload = {
        "model": settings.LLM_MODEL,
        "messages": llm_messages(posts),
        "temperature": 0.3,
        "max_tokens": 300,
    }
    request = urllib.request.Request(  # noqa: S310 (the URL is an operator's setting)
        _endpoint(settings.LLM_API_URL),
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json"},
        method="POST",
    )
    if settings.LLM_API_KEY:
        request.add_header("Authorization", f"Bearer {settings.LLM_API_KEY}")
    with urllib.request.urlopen(request, timeout=settings.LLM_TIMEOUT) as response:  # noqa: S310
        # Bounded read: a summary is small, a runaway answer is an error.
        raw = response.read(256 * 1024 + 1)
    if len(raw) > 256 * 1024:
        raise ValueError("answer too large")
    content = json.loads(raw)["choices"][0]["message"]["content"]
    if not isinstance(content, str):
        raise ValueError("answer content is not text")
    text = _clean_answer(content)
    if not text:
        raise ValueError("empty answer")
    return text


def summary_generate(posts: Sequence[SummaryPost]) -> tuple[str, str]:
    """(summary, source): the endpoint's answer if configured and usable, else the built-in."""
    if posts and settings.LLM_API_URL:
        try:
            return summary_llm(posts), SOURCE_LLM
        except (
            OSError,  # URLError, HTTPError, timeouts, refused or reset connections
            http.client.HTTPException,  # a broken HTTP answer (IncompleteRead, BadStatusLine)
            ValueError,  # not JSON, not UTF-8, empty or not text
            KeyError,
            IndexError,
            TypeError,  # JSON of another shape
        ) as error:
            logger.warning("LLM summary failed, using the built-in one: %r", error)
    return summary_builtin(posts), SOURCE_BUILTIN
