"""Translation catalogues (SPEC §12): locale/<language>/LC_MESSAGES/<domain>.po, written by
`manage.py makemessages` and the translators, compiled to the .mo files Django reads by
`manage.py compile_catalogues` (README "Languages").

Compiled in pure Python (polib), so a machine with only Python (`make run`) needs no GNU
gettext. The .mo files are built, never committed. A catalogue that cannot be read, or whose
translation would break a message at run time (a placeholder the code does not give, a plural
without its forms), is refused, as `msgfmt --check` would.
"""

import os
import re
import tempfile
from collections import Counter
from pathlib import Path

import polib
from django.conf import settings

# A printf-style placeholder as Python's `%` reads it: "%(name)s", "%s", "%05.2f"; "%%" is a
# literal percent sign.
_PLACEHOLDER = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?[#0\- +]*(?:\d+|\*)?(?:\.(?:\d+|\*))?(?P<conversion>[a-zA-Z%])"
)
_PLURAL_FORMS = re.compile(
    r"^\s*nplurals\s*=\s*(?P<n>\d+)\s*;\s*plural\s*=\s*(?P<expr>[^;]+);?\s*$"
)


class CatalogueError(Exception):
    """A catalogue that must not be compiled: unreadable, or it would break messages."""


def catalogue_paths(roots=None) -> list[Path]:
    """Every catalogue under the project's LOCALE_PATHS (or `roots`), sorted."""
    roots = settings.LOCALE_PATHS if roots is None else roots
    return sorted(
        path for root in roots for path in Path(root).glob("*/LC_MESSAGES/*.po") if path.is_file()
    )


# A line of a catalogue that is not a comment or blank: a keyword and a quoted string, or a
# string continuing the one above. polib reads some broken lines without a word (an unclosed
# string loses its last character): they are refused here first, as msgfmt does.
_LINE = re.compile(
    r'^(?:(?:msgctxt|msgid|msgid_plural|msgstr|msgstr\[\d+\])[ \t]+)?"(?:[^"\\]|\\.)*"[ \t]*$'
)


def _syntax_errors(text: str) -> list[str]:
    return [
        f"line {number}: syntax error: {line[:60]!r}"
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#") and not _LINE.match(line)
    ]


def catalogue_read(path: Path) -> polib.POFile:
    """The catalogue at `path`; CatalogueError if it is not a well-formed one (a syntax error,
    not UTF-8, the same message twice)."""
    try:
        errors = _syntax_errors(path.read_text(encoding="utf-8"))
        if errors:
            raise CatalogueError(f"{path}: Syntax error\n  " + "\n  ".join(errors))
        return polib.pofile(str(path), check_for_duplicates=True, encoding="utf-8")
    except (OSError, ValueError) as error:  # UnicodeDecodeError is a ValueError
        raise CatalogueError(f"{path}: {error}") from None


def placeholders(text: str) -> Counter:
    """The `%` placeholders of a message, as (name, conversion) pairs ("" for unnamed)."""
    return Counter(
        (match["name"] or "", match["conversion"])
        for match in _PLACEHOLDER.finditer(text)
        if match["conversion"] != "%"
    )


def plural_count(po: polib.POFile) -> int | None:
    """How many plural forms the header's Plural-Forms gives (None: missing or malformed)."""
    match = _PLURAL_FORMS.match(po.metadata.get("Plural-Forms", ""))
    return int(match["n"]) if match else None


def _where(entry: polib.POEntry) -> str:
    context = f" [{entry.msgctxt}]" if entry.msgctxt else ""
    return f"line {entry.linenum}: {entry.msgid!r}{context}"


def _plural_count_problems(entry: polib.POEntry, forms: int | None) -> list[str]:
    if forms is None:
        return [f"{_where(entry)}: the header has no valid Plural-Forms"]
    if len(entry.msgstr_plural) != forms:
        return [
            f"{_where(entry)}: {len(entry.msgstr_plural)} plural forms, the header says {forms}"
        ]
    return []


def format_problems(po: polib.POFile) -> list[str]:
    """Translations that would break their message at run time: a python-format entry whose
    translation has placeholders its source has not (or lacks some, or has them unnamed
    differently), a header that cannot be decoded, a translated plural entry with another
    number of forms than the header's Plural-Forms says (or none)."""
    problems = []
    content_type = po.metadata.get("Content-Type", "")
    if "charset=utf-8" not in content_type.lower().replace(" ", ""):
        problems.append(f"header: Content-Type must say charset=UTF-8, not {content_type!r}")
    forms = plural_count(po)
    for entry in po:
        if entry.obsolete:
            continue
        if entry.msgid_plural and any(entry.msgstr_plural.values()):
            problems.extend(_plural_count_problems(entry, forms))
        if "python-format" not in entry.flags or entry.fuzzy:
            continue
        if entry.msgid_plural:
            source = placeholders(entry.msgid) | placeholders(entry.msgid_plural)
            named = {name for name, _conversion in source if name}
            for index, text in sorted(entry.msgstr_plural.items()):
                if not text:
                    continue
                found = placeholders(text)
                # A form may leave the count out ("une photo"), never add what is not given.
                extra = [key for key in found if key not in source]
                unnamed = sum(count for (name, _c), count in found.items() if not name)
                if extra or (unnamed and named):
                    problems.append(
                        f"{_where(entry)}: msgstr[{index}] has placeholders "
                        f"{sorted(found)} where the source has {sorted(source)}"
                    )
        elif entry.msgstr and placeholders(entry.msgstr) != placeholders(entry.msgid):
            problems.append(
                f"{_where(entry)}: the translation has placeholders "
                f"{sorted(placeholders(entry.msgstr).elements())}, the source "
                f"{sorted(placeholders(entry.msgid).elements())}"
            )
    return problems


def completeness_problems(po: polib.POFile) -> list[str]:
    """What keeps a catalogue from being complete (SPEC §12: no untranslated string): an
    entry with no translation (or a plural form without one, or fewer forms than the header's
    Plural-Forms asks), a fuzzy entry or header."""
    problems = []
    if po.metadata_is_fuzzy:
        problems.append("header: marked fuzzy")
    forms = plural_count(po)
    for entry in po:
        if entry.obsolete:
            continue
        if entry.msgid_plural:
            problems.extend(_plural_count_problems(entry, forms))
        if entry.fuzzy:
            problems.append(f"{_where(entry)}: fuzzy")
        elif entry.msgid_plural:
            empty = [index for index, text in sorted(entry.msgstr_plural.items()) if not text]
            if empty or not entry.msgstr_plural:
                problems.append(f"{_where(entry)}: plural forms {empty} are not translated")
        elif not entry.msgstr:
            problems.append(f"{_where(entry)}: not translated")
    return problems


def mo_path(po_path: Path) -> Path:
    return po_path.with_suffix(".mo")


def is_stale(po_path: Path) -> bool:
    """Whether the catalogue's .mo is missing or older than it."""
    mo = mo_path(po_path)
    return not mo.exists() or mo.stat().st_mtime < po_path.stat().st_mtime


def catalogue_compile(po_path: Path) -> Path:
    """Write the .mo beside `po_path` (the translated, non-fuzzy entries, as msgfmt does);
    CatalogueError, writing nothing, for a catalogue that is unreadable or would break
    messages. The file is replaced whole: a process reading it meanwhile (a second web node
    compiling too, a running server) never sees half of one."""
    po = catalogue_read(po_path)
    problems = format_problems(po)
    if problems:
        raise CatalogueError(f"{po_path}:\n  " + "\n  ".join(problems))
    target = mo_path(po_path)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".mo")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(po.to_binary())
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def catalogues_compile(*, only_stale: bool = False, roots=None) -> list[Path]:
    """Compile every catalogue (or those whose .mo is missing or older); the .mo files written.
    CatalogueError for the first one refused, after the others were tried."""
    written, errors = [], []
    for po_path in catalogue_paths(roots):
        if only_stale and not is_stale(po_path):
            continue
        try:
            written.append(catalogue_compile(po_path))
        except CatalogueError as error:
            errors.append(str(error))
    if errors:
        raise CatalogueError("\n".join(errors))
    return written
