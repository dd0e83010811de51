"""Every word a template shows is marked for translation (SPEC §12, issue 16).

Each template file under templates/ (and any app's own templates/ folder), .html and .txt, is
split with Django's template Lexer. What is left once the template code is taken out must hold
no language. The rule:

- Text: TEXT tokens, the branches of a plain `{% if %}` included (they are TEXT tokens too).
  An .html template is read as HTML: tags, HTML comments, character references (&nbsp;) and the
  content of <script> (e.g. type=application/json) and <style> do not count; every other run of
  letters must be inside `{% translate %}` or `{% blocktranslate %}…{% endblocktranslate %}`.
  A .txt template (email bodies and subjects, allauth's messages) is plain text: all of it
  counts. Not language, and so skipped: `{% comment %}` and `{% verbatim %}` blocks, the content
  of a `{% block …_class %}` (CSS classes for the parent's markup), and a `{% setvar %}` (allauth)
  whose content is an identifier (no markup, no space, no capital letter: "id_account_…").
- Attributes that people see or hear: alt, title, placeholder, label, aria-label,
  aria-description, aria-roledescription, aria-placeholder, aria-valuetext, content of
  <meta name=description> or <meta property=…>, and value of <input type=submit|button|reset>.
  A data-* attribute counts when its value (template code taken out) has a letter and a space
  or a capital letter: a sentence for a script to show (data-confirm, data-copied, the plural
  forms of data-visible-…); a lower-case word without spaces is an identifier or a path, and
  so is a dotted name (data-allauth-onload="allauth.webauthn.forms.addForm")
  ("invitation-", "members/"), not language.
- String literals in template code that become text: in a variable (`{{ x|default:"…" }}`)
  every literal with a word of two letters or more, except the format of |date and |time
  (letters there are format characters; the formats themselves are translated with
  `{% translate "…" context "date format" as … %}`); `|pluralize` (English plurals: use
  `{% blocktranslate count %}`); and in `{% include … with %}` and `{% with %}` the `name="…"`
  values with a space or a capital letter. Mark such literals with `_("…")`.

Only what is not language may stay unmarked (ALLOWED): the brand name, and symbols and numbers,
which hold no letters and so are never reported ("·", "→", "@", "×", "1 / 4").

Scripts (static/js) show only text they read from the page (data-* attributes the template
translates): a string literal in a script that reads like a sentence or a piece of one (a
capitalised word and a space, sentence punctuation at its end, a word with a space before or
after it, as in `"Visible to " + n`) fails. A single word ("Copied") is not told apart from an
identifier ("POST") by this check: review keeps those out.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.apps import apps
from django.template.base import DebugLexer, TokenType

ROOT = Path(__file__).resolve().parents[2]

# Words that are not language: the brand name.
ALLOWED = frozenset({"Intentional"})

# Attributes whose value is shown or read out. (data-* has its own rule; value only on buttons.)
VISIBLE_ATTRIBUTES = frozenset(
    {
        "alt",
        "title",
        "placeholder",
        "label",
        "aria-label",
        "aria-description",
        "aria-roledescription",
        "aria-placeholder",
        "aria-valuetext",
    }
)
BUTTON_INPUT_TYPES = frozenset({"submit", "button", "reset"})

# What a piece of template code leaves behind in the text: no letters, no markup.
CODE = "\ufffc"
WORD = re.compile(r"[^\W\d_]+")  # a run of letters, in any script
LITERAL = re.compile(r"""(_\()?("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')""")
TRANSLATION_BLOCKS = {"blocktranslate": "endblocktranslate", "blocktrans": "endblocktrans"}
SKIPPED_BLOCKS = {"comment": "endcomment", "verbatim": "endverbatim"}

SCRIPT_LITERAL = re.compile(r""""((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)'""")
SCRIPT_COMMENT = re.compile(r"/\*.*?\*/|^\s*//.*?$|\s//\s.*?$", re.S | re.M)
SENTENCE_IN_SCRIPT = re.compile(r"^[A-Z][a-z]+\s|[^\W\d_][.?!:]\s*$|^\s+[^\W\d_]|[^\W\d_][:,]?\s+$")


def template_files() -> list[Path]:
    """Every template of the project: templates/ and the templates/ folder of its own apps."""
    folders = [ROOT / "templates"]
    for config in apps.get_app_configs():
        folder = Path(config.path) / "templates"
        # The project's own apps only: a virtualenv inside the checkout (.venv) holds
        # installed packages, whose templates are their authors' to translate.
        project_app = ROOT in folder.parents and "site-packages" not in folder.parts
        if folder.is_dir() and project_app:
            folders.append(folder)
    return sorted(
        path
        for folder in folders
        for path in folder.rglob("*")
        if path.is_file() and path.suffix in (".html", ".txt")
    )


def _words(text: str) -> list[str]:
    return [word for word in WORD.findall(text.replace(CODE, " ")) if word not in ALLOWED]


def _is_sentence(value: str) -> bool:
    """Language, not an identifier: a word, and a space or a capital letter."""
    value = value.replace(CODE, "").strip()
    if re.fullmatch(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)+", value):  # a dotted name: "allauth.x.addForm"
        return False
    return bool(WORD.search(value)) and bool(re.search(r"\s|[A-Z]", value))


def _literals_in_code(contents: str, kind: TokenType) -> list[str]:
    """Unmarked string literals in a tag or variable that end up on the page."""
    found = []
    if kind == TokenType.VAR:
        if re.search(r"\|\s*pluralize\b", contents):
            found.append("|pluralize")
        for match in LITERAL.finditer(contents):
            marked, literal = match.groups()
            if marked or re.search(
                r"\|\s*(date|time|json_script)\s*:\s*$", contents[: match.start()]
            ):
                continue
            if re.search(r"[^\W\d_]{2,}", literal[1:-1]):
                found.append(literal)
        return found
    name = contents.split(None, 1)[0] if contents.strip() else ""
    if name == "include" and " with " in contents:
        contents = contents.split(" with ", 1)[1]
    elif name != "with":
        return []
    for literal in re.findall(r"""\w+=("[^"]*"|'[^']*')""", contents):
        if _is_sentence(literal[1:-1]):
            found.append(literal)
    return found


class _Text(HTMLParser):
    """Collects (line, text) of the language left in a template's HTML skeleton."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._hidden = 0  # inside <script> or <style>

    def handle_starttag(self, tag, attrs):
        line = self.getpos()[0]
        attributes = dict(attrs)
        for name, value in attrs:
            value = value or ""
            checked = (
                name in VISIBLE_ATTRIBUTES
                or (
                    name == "value"
                    and tag == "input"
                    and (attributes.get("type") or "").lower() in BUTTON_INPUT_TYPES
                )
                or (
                    name == "content"
                    and tag == "meta"
                    and (attributes.get("name") == "description" or "property" in attributes)
                )
                or (name.startswith("data-") and _is_sentence(value))
            )
            if checked and _words(value):
                self.found.append((line, f'{name}="{value.replace(CODE, "…")}"'))
        if tag in ("script", "style"):
            self._hidden += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if self._hidden:
            return
        line = self.getpos()[0]
        for offset, text in enumerate(data.split("\n")):
            if _words(text):
                self.found.append((line + offset, _shown(text)))


def _identifier_setvars(tokens) -> set[int]:
    """Indexes of the TEXT tokens of `{% setvar %}` blocks that hold an identifier (an id, a
    list of CSS-like tags), not markup or a sentence."""
    skipped: set[int] = set()
    opened = None
    for index, token in enumerate(tokens):
        name = token.contents.split()[0] if token.contents.split() else ""
        if token.token_type == TokenType.BLOCK and name == "setvar":
            opened = index
        elif token.token_type == TokenType.BLOCK and name == "endsetvar" and opened is not None:
            inside = range(opened + 1, index)
            value = "".join(
                tokens[i].contents if tokens[i].token_type == TokenType.TEXT else CODE
                for i in inside
            )
            if "<" not in value and not _is_sentence(value):
                skipped.update(i for i in inside if tokens[i].token_type == TokenType.TEXT)
            opened = None
    return skipped


def _shown(text: str) -> str:
    return re.sub(f"{CODE}+", "…", text).strip("… \t")


def untranslated(source: str, *, html: bool = True) -> list[tuple[int, str]]:
    """(line, text) of every piece of language in `source` that is not marked for
    translation, by the rule of this module's docstring."""
    tokens = DebugLexer(source).tokenize()
    identifiers = _identifier_setvars(tokens)
    skeleton: list[str] = []
    found: list[tuple[int, str]] = []
    closing = None  # the end tag of the translation (or comment) block we are in
    for index, token in enumerate(tokens):
        start, end = token.position
        raw = source[start:end]
        newlines = "\n" * raw.count("\n")
        name = token.contents.split()[0] if token.contents.split() else ""
        if closing is not None:
            if token.token_type == TokenType.BLOCK and name == closing:
                closing = None
            skeleton.append(newlines)
        elif token.token_type == TokenType.TEXT:
            skeleton.append(newlines if index in identifiers else raw)
        elif token.token_type == TokenType.COMMENT:
            skeleton.append(newlines)
        else:
            if token.token_type == TokenType.BLOCK:
                closing = TRANSLATION_BLOCKS.get(name) or SKIPPED_BLOCKS.get(name)
                if name == "block" and token.contents.split()[-1].endswith("_class"):
                    closing = "endblock"  # CSS classes for the parent template's markup
            found += [
                (token.lineno, text) for text in _literals_in_code(token.contents, token.token_type)
            ]
            skeleton.append(CODE + newlines)
    text = "".join(skeleton)
    if html:
        # A tag whose name is template code (`<{% if href %}a{% else %}button{% endif %} …>`)
        # is still a tag: its attributes are read as attributes, not as text.
        text = re.sub(rf"<(/?){CODE}[^\s>]*", r"<\1x-code", text)
        parser = _Text()
        parser.feed(text)
        parser.close()
        found += parser.found
    else:
        for number, line in enumerate(text.split("\n"), start=1):
            if _words(line):
                found.append((number, _shown(line)))
    return sorted(found)


@pytest.mark.parametrize("path", template_files(), ids=lambda path: str(path.relative_to(ROOT)))
def test_every_string_in_the_template_is_marked_for_translation(path):
    problems = untranslated(path.read_text(encoding="utf-8"), html=path.suffix == ".html")
    assert problems == [], "\n".join(
        f"{path.relative_to(ROOT)}:{line}: {text}" for line, text in problems
    )


def sentences_in_script(source: str) -> list[str]:
    """String literals of a script that read like (a piece of) a sentence."""
    code = SCRIPT_COMMENT.sub("", source)
    literals = [double or single for double, single in SCRIPT_LITERAL.findall(code)]
    return [literal for literal in literals if SENTENCE_IN_SCRIPT.search(literal)]


@pytest.mark.parametrize(
    "path", sorted((ROOT / "static" / "js").glob("*.js")), ids=lambda path: path.name
)
def test_scripts_take_their_text_from_the_page(path):
    assert sentences_in_script(path.read_text(encoding="utf-8")) == []


def test_the_script_check_finds_sentences():
    source = """
    // "Visible to N people" in a comment is fine
    "use strict";
    box.textContent = "Visible to " + n + (n === 1 ? " person: " : " people: ") + names;
    legend.textContent = "Nobody but you.";
    var selector = "(min-width: 40rem)", join = ", ", field = ".field-x legend";
    """
    assert sentences_in_script(source) == [
        "Visible to ",
        " person: ",
        " people: ",
        "Nobody but you.",
    ]


def test_templates_are_found():
    names = {str(path.relative_to(ROOT)) for path in template_files()}
    assert {"templates/base.html", "templates/digest/email/digest.txt"} <= names


BAD = """{% load i18n %}<h1>{% translate "Marked" %}</h1>
<p>Plain words</p>
{% if x %}In a branch{% else %}{% translate "fine" %}{% endif %}
<img src="a.png" alt="A photo"> <input type="submit" value="Send">
<button value="x1">{{ n }}</button>
<form data-confirm="Delete it?" data-copy-target="invitation-{{ pk }}" data-url="{{ u }}members/">
{% blocktranslate trimmed with name=n %}Hello {{ name }}{% endblocktranslate %}
<span aria-label="Close {{ name }}">×</span>{# a comment #}<!-- an HTML comment -->
<script type="application/json">{"words": "in data"}</script><style>.a { color: red }</style>
{% comment %}Notes for developers{% endcomment %}
&nbsp;&rarr; · @{{ user.username }} 42 Intentional
{% include "x.html" with empty_message="Nothing here" link=_("Marked too") %}
{{ message|default:"No message" }} {{ when|date:"j M Y" }} {{ n|pluralize:"y,ies" }}
{% setvar names %}Ann and Bob{% endsetvar %}{% setvar id %}id_{{ pk }}{% endsetvar %}
{% block main_class %}narrow{% endblock %}{% verbatim %}{{ not a variable }}{% endverbatim %}
"""


def test_the_check_reports_what_is_not_marked_and_nothing_else():
    assert untranslated(BAD) == [
        (2, "Plain words"),
        (3, "In a branch"),
        (4, 'alt="A photo"'),
        (4, 'value="Send"'),
        (6, 'data-confirm="Delete it?"'),
        (8, 'aria-label="Close …"'),
        (12, '"Nothing here"'),
        (13, '"No message"'),
        (13, '"y,ies"'),
        (13, "|pluralize"),
        (14, "Ann and Bob"),
    ]


def test_plain_text_templates_count_every_word():
    source = '{% load i18n %}{% translate "Hi" %}\nUnsubscribe: {{ url }}\n{{ a }} · {{ b }}\n'
    assert untranslated(source, html=False) == [(2, "Unsubscribe:")]
