"""Plain text typed by people, as safe HTML (SPEC §6 `body_html`, SPEC §7 no stored XSS)."""

import re
from functools import lru_cache

import nh3
from django.utils.html import escape, linebreaks, urlize

_ALLOWED_TAGS = {"p", "br", "a"}
_ALLOWED_ATTRIBUTES = {"a": {"href"}}

# Everything Django's urlize could turn into a link contains one of these (its http(s)://,
# www. and .com/.edu/.gov/.int/.mil/.net/.org patterns, or an email's @). Text without any is
# only escaped by urlize, so it skips urlize's word-by-word pass, the slow part of a feed page.
_MAYBE_LINK = re.compile(r"https?://|www\.|@|\.(?:com|edu|gov|int|mil|net|org)", re.IGNORECASE)


# A pure function of the text (urlize is slow): each worker keeps the most recent results.
# Nothing about who may see the text is in the key or the value, so it cannot be stale.
@lru_cache(maxsize=4096)
def text_to_html(text: str) -> str:
    """Escape `text`, link its URLs (rel="nofollow noopener"), keep line breaks; nh3-clean it."""
    if not text:
        return ""
    if _MAYBE_LINK.search(text):
        linked = urlize(text, nofollow=False, autoescape=True)
    else:
        linked = escape(text)
    html = linebreaks(linked, autoescape=False)
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener",
    )
