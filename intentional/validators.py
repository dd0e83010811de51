"""Control characters in what people type (SPEC §7).

Names and other one-line fields (display name, tag name) refuse, with `validate_one_line`:
- every control character (Unicode category Cc): NUL, tab, CR, LF and the rest of C0, DEL, and
  C1 (NEL U+0085 included);
- the line and paragraph separators U+2028 and U+2029;
- the bidirectional embedding, override and isolate controls U+202A–U+202E and U+2066–U+2069,
  which reorder the text after them (a name that shows "moc.elgoog" as "google.com");
- lone surrogates (category Cs), which cannot be stored as UTF-8.
Other invisible format characters (category Cf) stay allowed: the zero-width joiner builds
emoji and Indic scripts, the zero-width non-joiner Persian, and the left-to-right and
right-to-left marks U+200E/U+200F help right-to-left names display well.

Multi-line fields (bio, post and comment bodies) keep tab, LF and CR and refuse the rest of
Cc (NUL, which PostgreSQL cannot store, among them) and lone surrogates, with
`validate_multi_line`.

Both are model field validators, so model forms, the admin, DRF model serializers and
`full_clean` apply them; services that write without those call them directly. Rows stored
before these rules existed are put on one line where it matters (names in emails and on pages)
by `one_line_text`.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Category Cc is exactly U+0000–U+001F and U+007F–U+009F; Cs is U+D800–U+DFFF.
_ONE_LINE_REFUSED = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_MULTI_LINE_REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def _codepoint(match: re.Match) -> str:
    return f"U+{ord(match.group()):04X}"


def validate_one_line(value: str) -> None:
    """Refuse line breaks, control characters and bidi overrides in a one-line field."""
    found = _ONE_LINE_REFUSED.search(value or "")
    if found:
        raise ValidationError(
            _(
                "Use one line of text, without line breaks or invisible control characters "
                "(found %(codepoint)s)."
            ),
            code="control_character",
            params={"codepoint": _codepoint(found)},
        )


def validate_multi_line(value: str) -> None:
    """Refuse control characters other than tab and line breaks in a multi-line field."""
    found = _MULTI_LINE_REFUSED.search(value or "")
    if found:
        raise ValidationError(
            _("Remove the invisible control characters from this text (found %(codepoint)s)."),
            code="control_character",
            params={"codepoint": _codepoint(found)},
        )


def one_line_text(value: str) -> str:
    """`value` on one line: what `validate_one_line` refuses becomes a space, spaces collapse.

    For text that must never break a line (an email header, a name in an email) even when the
    row was stored before the rules above."""
    return " ".join(_ONE_LINE_REFUSED.sub(" ", value or "").split())
