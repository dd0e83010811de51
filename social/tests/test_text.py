"""`text_to_html` (SPEC §6 `body_html`): its fast path for text without links gives exactly
what Django's urlize pass gives."""

import nh3
from django.utils.html import linebreaks, urlize
from hypothesis import given, settings
from hypothesis import strategies as st

from social.text import _ALLOWED_ATTRIBUTES, _ALLOWED_TAGS, text_to_html


def _through_urlize(text: str) -> str:
    """What text_to_html gave before its fast path: urlize on every text."""
    html = linebreaks(urlize(text, nofollow=False, autoescape=True), autoescape=False)
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener",
    )


# Words that urlize links or nearly links, mixed with markup, entities and line breaks.
_PIECES = st.sampled_from(
    [
        "hello", "Hi.", "a.b", "x@y", "ana@example.org", "bo@example.io", "www.example.com",
        "WWW.EXAMPLE.NET",
        "example.com/path", "https://example.org/a?b=1&c=2", "http://[::1]/", "mailto:x",
        "foo.io", "3.14", "(see", "it)", "<b>", "&amp;", "&#64;", '"quoted"', "'single'",
        "\n", "\n\n", "\r\n", " ", "\t", "é.com", "dot.", "e.g.", "x:y",
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=12).map("".join))
def test_text_without_a_possible_link_skips_urlize_with_the_same_result(text):
    assert text_to_html.__wrapped__(text) == (_through_urlize(text) if text else "")


def test_links_are_still_linked():
    html = text_to_html.__wrapped__("See https://example.org and www.example.com, or a@b.org.")
    assert html.count("<a ") == 3
    assert 'rel="nofollow noopener"' in html
