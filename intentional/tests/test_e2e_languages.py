"""Every page in every language (issue 16 acceptance 3, SPEC §12): each page a signed-in person
can see — the pages of the authorization sweep's routes and every other page route of the
URLconf — and the pages before login, in English, French, German and Spanish.

For each language, in a real Chromium at 390 px: `<html lang>` names the language, the page
does not scroll sideways (German is long), and no English sentence is left. "English sentence"
is checked against the catalogues: every message of two words or more (a message with
placeholders or HTML is cut into its literal pieces, each piece of two words or more counts)
whose translation differs from it must not be on the page, neither in its text nor in the
attributes people see (placeholder, aria-label, title, alt, the value of a button). The same
for the messages of Django's and django-allauth's own catalogues, whose forms and errors show
on these pages too, and a few of their English sentences named here, which the English pages
are checked to contain (so the list stays true).

The person signs in through the login form (password, then the authenticator app's code: the
second step is a page too) and their `language` decides the pages after it: the browser then
asks for another language, which must not win. Before login, the browser's Accept-Language
decides. One browser context and one login per language; every problem of a language is
collected and reported at once, page by page.

The routes are enumerated from the URLconf: a route that is in no table below (nor among
ACTIONS, the forms' POST-only targets, nor in NOT_PAGES, saying why it is not a page) fails the
test, like the authorization sweep. A cheap companion without a browser (it runs on SQLite
too) checks that every page answers as expected with `<html lang>` in each language, and that
every action refuses a GET.

The catalogues are filled by the translators; until a language is complete its test fails,
listing the English left on each page.
"""

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import allauth
import django
import polib
import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone

from connections import services as connection_services
from connections.tests.factories import BlockFactory, InvitationFactory, TagFactory, connect
from digest.tokens import unsubscribe_token
from digest.weeks import week_current, week_last_completed
from intentional.tests.browser import PHONE
from intentional.tests.test_authorization_sweep import SWEEP, TWO_FACTOR_ROUTES, _all_routes
from social import services
from social.models import DataExport, Notification
from social.tests.factories import PASSWORD, UserFactory
from social.tests.helpers import upload
from social.tests.mfa import add_passkey, enable_totp, totp_code
from social.tokens import NOTIFICATIONS_SALT, person_token

LOCALE = Path(settings.BASE_DIR) / "locale"
TRANSLATED = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
ALL_LANGUAGES = [code for code, _name in settings.LANGUAGES]


# --- The pages ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    # Placeholders are filled from the world's `values`.
    url: str
    status: int = 200
    # Where it lands, if it redirects there on purpose (else: the same address).
    lands: str = ""


# Route (as the URLconf spells it) → the pages visited, by phase. Within a phase, in order.
BEFORE_LOGIN: dict[str, list[Page]] = {
    "": [Page("/")],
    "accounts/signup/": [Page("/accounts/signup/")],
    # An invitation link lands on the sign-up page, with a message naming who invited.
    "invite/<str:token>/": [Page("/invite/{invitation}/", lands="/accounts/signup/")],
    "accounts/password/reset/": [Page("/accounts/password/reset/")],
    "accounts/password/reset/done/": [Page("/accounts/password/reset/done/")],
    # The emailed link: its key is checked, then the form to choose a new password.
    r"accounts/^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$": [
        Page(
            "/accounts/password/reset/key/{reset_key}/",
            lands="/accounts/password/reset/key/{reset_uid}-set-password/",
        ),
        Page("/accounts/password/reset/key/0-not-a-key/"),
    ],
    "accounts/password/reset/key/done/": [Page("/accounts/password/reset/key/done/")],
    "accounts/confirm-email/": [Page("/accounts/confirm-email/")],
    r"accounts/^confirm-email/(?P<key>[-:\w]+)/$": [
        Page("/accounts/confirm-email/{confirm_key}/"),
        Page("/accounts/confirm-email/not-a-key/"),
    ],
    "accounts/inactive/": [Page("/accounts/inactive/")],
    "accounts/3rdparty/login/cancelled/": [Page("/accounts/3rdparty/login/cancelled/")],
    "accounts/3rdparty/login/error/": [Page("/accounts/3rdparty/login/error/", 401)],
    "digest/unsubscribe/<str:token>/": [
        Page("/digest/unsubscribe/{digest_token}/"),
        Page("/digest/unsubscribe/not-a-token/", 400),
    ],
    "notifications/unsubscribe/<str:token>/": [
        Page("/notifications/unsubscribe/{notifications_token}/"),
        Page("/notifications/unsubscribe/not-a-token/", 400),
    ],
    # Not a route: the page of an address that does not exist.
    "(404)": [Page("/no-such-page/", 404)],
    "accounts/login/": [Page("/accounts/login/")],
}

# The second step of logging in (the authenticator app's code): reached by logging in.
LOGGING_IN: dict[str, list[Page]] = {
    "accounts/2fa/authenticate/": [Page("/accounts/2fa/authenticate/")],
}

SIGNED_IN: dict[str, list[Page]] = {
    "feed/": [Page("/feed/")],
    "posts/new/": [Page("/posts/new/")],
    "posts/<int:pk>/": [
        Page("/posts/{own_post}/"),
        Page("/posts/{tags_post}/"),
        Page("/posts/{connection_post}/"),
        Page("/posts/987654321/", 404),
    ],
    "posts/<int:pk>/edit/": [Page("/posts/{own_post}/edit/")],
    "search/": [
        Page("/search/"),
        Page("/search/?q=Tarte"),
        Page("/search/?q=Zyxwvut"),
        Page("/search/?q=T", 400),
    ],
    "people/": [Page("/people/"), Page("/people/?q=carla"), Page("/people/?q=nobody_here")],
    "people/<str:username>/": [
        Page("/people/ana/"),
        Page("/people/ben/"),  # a connection, with one of the owner's tags
        Page("/people/carla/"),  # asked to connect
        Page("/people/dario/"),  # asked by the owner
        Page("/people/fabio/"),  # a connection, muted for 30 days
        Page("/people/hana/"),  # no one to the owner
    ],
    "tags/": [Page("/tags/")],
    "notifications/": [Page("/notifications/")],
    "settings/": [Page("/settings/")],
    "digest/": [Page("/digest/")],  # the last week, with posts, a life event and a memory
    "digest/<str:week>/": [
        Page("/digest/{current_week}/"),  # the week in progress: a preview
        Page("/digest/{week_before_first}/", 404),
        Page("/digest/2026-W99/", 400),
    ],
    "accounts/email/": [Page("/accounts/email/")],
    "accounts/password/change/": [Page("/accounts/password/change/")],
    "accounts/3rdparty/": [Page("/accounts/3rdparty/")],
    "accounts/logout/": [Page("/accounts/logout/")],
    # Asked before anything changes how one logs in; confirming it opens the pages below.
    "accounts/reauthenticate/": [Page("/accounts/reauthenticate/")],
}

# Two-factor settings: after the password is confirmed again (allauth asks for it).
REAUTHENTICATED: dict[str, list[Page]] = {
    "accounts/2fa/": [Page("/accounts/2fa/")],
    "accounts/2fa/reauthenticate/": [Page("/accounts/2fa/reauthenticate/")],
    "accounts/2fa/totp/deactivate/": [Page("/accounts/2fa/totp/deactivate/")],
    "accounts/2fa/recovery-codes/": [Page("/accounts/2fa/recovery-codes/")],
    "accounts/2fa/recovery-codes/generate/": [Page("/accounts/2fa/recovery-codes/generate/")],
    "accounts/2fa/webauthn/": [Page("/accounts/2fa/webauthn/")],
    "accounts/2fa/webauthn/add/": [Page("/accounts/2fa/webauthn/add/")],
    "accounts/2fa/webauthn/reauthenticate/": [Page("/accounts/2fa/webauthn/reauthenticate/")],
    "accounts/2fa/webauthn/keys/<int:pk>/edit/": [
        Page("/accounts/2fa/webauthn/keys/{passkey}/edit/")
    ],
    "accounts/2fa/webauthn/keys/<int:pk>/remove/": [
        Page("/accounts/2fa/webauthn/keys/{passkey}/remove/")
    ],
}

# Once the authenticator app is gone (removed in the database): the page that sets one up.
WITHOUT_AUTHENTICATOR_APP: dict[str, list[Page]] = {
    "accounts/2fa/totp/activate/": [Page("/accounts/2fa/totp/activate/")],
}

PHASES = [BEFORE_LOGIN, LOGGING_IN, SIGNED_IN, REAUTHENTICATED, WITHOUT_AUTHENTICATOR_APP]

# Page routes that are not pages anyone reads, and why.
NOT_PAGES = {
    "admin/": "staff only, in English by design (Django's admin is for the operators)",
    "api/": "JSON (its error messages' languages: intentional/tests/test_languages.py)",
    "health/": "the load balancer's JSON",
    "metrics": "Prometheus' text format",
    "photos/<int:pk>/<str:variant>/": "an image",
    "people/<str:username>/avatar/": "an image",
    "settings/export/<int:pk>/": "a zip file",
    "accounts/2fa/recovery-codes/download/": "a text file",
    "notifications/<int:pk>/": "a redirect to what the notification is about",
    "accounts/2fa/webauthn/login/": "a passkey login is a POST; a GET redirects to the login",
    "accounts/login/code/confirm/": "login by emailed code is off: a redirect to the login",
    "accounts/password/set/": "only for someone without a password (none can be made here): "
    "a redirect to the password change",
    "accounts/3rdparty/signup/": "only in the middle of a Google sign-up: a redirect otherwise",
    "accounts/social/": "allauth's former addresses: 301 to /accounts/3rdparty/",
    "accounts/google/": "Google's login, 404 without a Google app (none in tests)",
}

# Routes that only take a POST (a form's action): a GET answers 405, checked below.
ACTIONS = {
    "posts/<int:pk>/delete/",
    "posts/<int:pk>/comments/",
    "comments/<int:pk>/delete/",
    "settings/notifications/",
    "settings/export/",
    "settings/delete/",
    "notifications/read/",
    "people/requests/<int:pk>/accept/",
    "people/requests/<int:pk>/decline/",
    "people/requests/<int:pk>/cancel/",
    "people/<str:username>/connect/",
    "people/<str:username>/remove/",
    "people/<str:username>/block/",
    "people/<str:username>/unblock/",
    "people/<str:username>/mute/",
    "people/<str:username>/unmute/",
    "invitations/",
    "tags/new/",
    "tags/<int:pk>/rename/",
    "tags/<int:pk>/delete/",
    "tags/<int:pk>/members/",
    "tags/<int:pk>/members/<str:username>/remove/",
}


def _tabled() -> dict[str, list[Page]]:
    return {route: pages for phase in PHASES for route, pages in phase.items()}


def test_every_page_route_is_visited():
    routes = _all_routes()
    tabled = _tabled()
    uncovered = [
        route
        for route in routes
        if route not in tabled
        and route not in ACTIONS
        and not any(route.startswith(prefix) for prefix in NOT_PAGES)
    ]
    assert uncovered == [], f"visit these routes' pages (or say why they are none): {uncovered}"
    stale = [
        route for route in [*tabled, *ACTIONS] if route not in routes and not route.startswith("(")
    ]
    assert stale == [], f"routes that no longer exist: {stale}"


def test_the_sweep_s_pages_are_all_visited():
    """Acceptance 3 names the authorization sweep: each of its page routes (and its two-factor
    routes) is visited here, or is an action or not a page."""
    tabled = _tabled()
    sweep_pages = [
        route
        for route in [*SWEEP, *TWO_FACTOR_ROUTES]
        if not route.startswith("api/")
        and route not in ACTIONS
        and not any(route.startswith(prefix) for prefix in NOT_PAGES)
    ]
    assert sweep_pages, "the sweep has no page routes?"
    assert [route for route in sweep_pages if route not in tabled] == []


# --- The world ---------------------------------------------------------------------------------


def _world(language: str) -> dict:
    """Ana (the owner, whose `language` is `language`) and her circle, with something on every
    page: posts with photos, comments, tags, requests both ways, a block, a mute, invitations,
    notifications of each kind, exports, digests with posts, a life event and a memory, an
    authenticator app with recovery codes and a passkey. Nothing in it is English: names,
    posts and tags are neutral, so any English on a page comes from the site."""
    now = timezone.now()
    last_week = week_last_completed("UTC")
    in_last_week = datetime.combine(last_week.monday, datetime.min.time(), UTC) + timedelta(
        days=2, hours=12
    )
    a_year_before = datetime.fromisocalendar(last_week.year - 1, last_week.number, 3).replace(
        hour=12, tzinfo=UTC
    )
    joined = a_year_before - timedelta(days=30)
    people = {
        name: UserFactory(
            username=name,
            display_name=name.title(),
            date_joined=joined,
            bio="Tarte 🍰 ☀️",
            language="",
        )
        for name in ("ana", "ben", "carla", "dario", "eva", "fabio", "gina", "hana")
    }
    ana = people["ana"]
    ana.language = language
    ana.save(update_fields=["language"])
    services.user_set_avatar(user=ana, upload=upload())
    # Ana asked Ben, who accepted: a notification.
    asked = connection_services.connection_request(user=ana, username="ben")
    connection_services.connection_accept(user=people["ben"], connection_id=asked.pk)
    connect(ana, people["fabio"])
    connection_services.connection_request(user=people["carla"], username="ana")
    connection_services.connection_request(user=ana, username="dario")
    BlockFactory(blocker=ana, blocked=people["eva"])
    connection_services.mute_create(user=ana, username="fabio", until=now + timedelta(days=30))
    used = InvitationFactory(inviter=ana)
    connection_services.invitation_accept(user=people["gina"], token=used.token)
    invitation = InvitationFactory(inviter=ana)
    ohana = TagFactory(owner=ana, name="Ohana 🌺")
    connection_services.tag_member_add(owner=ana, tag_id=ohana.pk, username="ben")
    TagFactory(owner=ana, name="Kaffee ☕")

    own_post = services.post_create(author=ana, body="Tarte 🍰", photos=[upload()])
    tags_post = services.post_create(
        author=ana, body="Ohana 🌺 ☀️", audience="tags", audience_tags=[ohana]
    )
    ben = people["ben"]
    connection_post = services.post_create(
        author=ben,
        body="Tarte 🍰 🎉",
        photos=[upload(), upload(), upload()],
        photo_alts=["🍰", "🎉", "☀️"],
        created_at=in_last_week,
    )
    services.post_create(
        author=ben, body="🎂 🎈", is_milestone=True, created_at=in_last_week + timedelta(hours=3)
    )
    services.post_create(
        author=ben, body="Tarte 🍰 ⛄", photos=[upload()], created_at=a_year_before
    )
    # Comments: on Ana's post (she is told), and after hers on Ben's (she is told too).
    comment = services.comment_create(author=ben, post_id=own_post.pk, body="Olé 🎉")
    services.comment_notify(comment_id=comment.pk)
    services.comment_create(author=ana, post_id=connection_post.pk, body="Tarte 🍰 ❤️")
    comment = services.comment_create(author=ben, post_id=connection_post.pk, body="☀️ ❤️")
    services.comment_notify(comment_id=comment.pk)
    for status in (DataExport.Status.READY, DataExport.Status.FAILED, DataExport.Status.PENDING):
        key = default_storage.save(f"exports/{status}.zip", ContentFile(b"zip"))
        DataExport.objects.create(user=ana, status=status, file_key=key)
    totp_secret, _codes = enable_totp(ana)
    passkey = add_passkey(ana, "Ana 🔑")
    # A second address of Ana's; and one of Hana's, not confirmed yet, for the link that
    # confirms it (Ana's own all are: allauth offers no two-factor set-up before that).
    EmailAddress.objects.create(user=ana, email="ana.lima@example.com", verified=True)
    unconfirmed = EmailAddress.objects.create(
        user=people["hana"], email="hana.mori@example.com", verified=False
    )
    first_week = week_last_completed("UTC", now=joined + timedelta(days=7))
    return {
        "owner": ana,
        "totp_secret": totp_secret,
        "values": {
            "invitation": invitation.token,
            "reset_key": f"{user_pk_to_url_str(ana)}-{default_token_generator.make_token(ana)}",
            "reset_uid": user_pk_to_url_str(ana),
            "confirm_key": EmailConfirmationHMAC(unconfirmed).key,
            "digest_token": unsubscribe_token(ana),
            "notifications_token": person_token(ana, salt=NOTIFICATIONS_SALT),
            "own_post": own_post.pk,
            "tags_post": tags_post.pk,
            "connection_post": connection_post.pk,
            "passkey": passkey.pk,
            "current_week": str(week_current("UTC")),
            "week_before_first": str(first_week.shifted(-2)),
        },
    }


# --- English sentences, from the catalogues ----------------------------------------------------

# A printf placeholder ("%(name)s", "%s", "%%"), a str.format one ("{name}") or an HTML tag:
# the literal text of a message lies between them.
_SPLIT = re.compile(
    r"%(?:\([^)]*\))?[#0\- +]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[a-zA-Z%]|\{[^{}]*\}|<[^>]*>"
)
_WORD = re.compile(r"[^\W\d_]+")
_EDGES = " \t\n.,:;!?…—–-()[]“”‘’\"'«»·/|•×+="


def _normalized(text: str) -> str:
    return " ".join(text.split()).casefold()


def _fragments(message: str) -> list[str]:
    """The pieces of `message` between its placeholders and tags that are sentences: two
    words or more (normalized: one space, case folded)."""
    found = []
    for piece in _SPLIT.split(message):
        piece = _normalized(html.unescape(piece)).strip(_EDGES)
        if len(_WORD.findall(piece)) >= 2:
            found.append(piece)
    return found


def _untranslated_sources(po: polib.POFile):
    """The English texts (msgid, msgid_plural) of each message whose translation differs
    from them (an untranslated one counts: it shows in English)."""
    for entry in po:
        if entry.obsolete:
            continue
        sources = [entry.msgid, *([entry.msgid_plural] if entry.msgid_plural else [])]
        if entry.msgid_plural:
            forms = list(entry.msgstr_plural.values())
            same = all(forms) and all(form in sources for form in forms)
        else:
            same = entry.msgstr == entry.msgid
        if not same:
            yield sources


@cache
def english_sentences(po_path: str, *, also_kept_in: tuple[str, ...] = ()) -> dict[str, str]:
    """Normalized English fragment → the message it comes from, for the catalogue at
    `po_path`. A fragment that a translation of this catalogue (or of `also_kept_in`) keeps as
    it is — a name, a technical word — is not counted as left untranslated."""
    po = polib.pofile(po_path, encoding="utf-8")
    kept = " ".join(
        _normalized(text)
        for path in (po_path, *also_kept_in)
        for entry in polib.pofile(path, encoding="utf-8")
        for text in (list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr])
        if text
    )
    sentences = {}
    for sources in _untranslated_sources(po):
        for source in sources:
            for fragment in _fragments(source):
                if fragment not in kept:
                    sentences.setdefault(fragment, source)
    return sentences


def _third_party_catalogues(language: str) -> list[Path]:
    """The catalogues of Django (core and contrib.auth: form errors, password rules) and
    django-allauth (its forms, messages and errors) in `language`."""
    django_root = Path(django.__file__).parent
    paths = [
        django_root / "conf" / "locale" / language / "LC_MESSAGES" / "django.po",
        django_root / "contrib" / "auth" / "locale" / language / "LC_MESSAGES" / "django.po",
        Path(allauth.__file__).parent / "locale" / language / "LC_MESSAGES" / "django.po",
    ]
    assert all(path.is_file() for path in paths), paths
    return paths


def sentences_for(language: str) -> dict[str, tuple[str, str]]:
    """Normalized English fragment → (where it is from, its message), for `language`: our
    catalogue's messages, then Django's and allauth's."""
    ours = str(LOCALE / language / "LC_MESSAGES" / "django.po")
    found = {
        fragment: ("catalogue", message) for fragment, message in english_sentences(ours).items()
    }
    for path in _third_party_catalogues(language):
        origin = "allauth" if "allauth" in str(path) else "Django"
        for fragment, message in english_sentences(str(path), also_kept_in=(ours,)).items():
            found.setdefault(fragment, (origin, message))
    return found


# English sentences of Django's and allauth's own forms and pages that show on these pages in
# English (checked: a run in English must find each, or the list is stale); in another
# language none may be left.
THIRD_PARTY_SENTENCES = {
    # allauth's forms and pages
    "Forgot your password?": "/accounts/login/",
    "Username or email": "/accounts/login/",
    "Password (again)": "/accounts/signup/",
    "Current Password": "/accounts/password/change/",
    "Enter your password:": "/accounts/reauthenticate/",
    "Use authenticator app or code": "/accounts/reauthenticate/",
    "Enter an authenticator code:": "/accounts/2fa/reauthenticate/",
    "Authenticator code": "/accounts/2fa/totp/activate/",
    # Django's password rules (django.contrib.auth), under the sign-up form's password
    "Your password can’t be too similar to your other personal information.": "/accounts/signup/",
    "Your password can’t be entirely numeric.": "/accounts/signup/",
}


def test_a_message_is_cut_into_its_sentences():
    assert _fragments("Log in") == ["log in"]
    assert _fragments("Posts") == []
    assert _fragments("%(name)s invited you. Sign up and you'll be connected.") == [
        "invited you. sign up and you'll be connected"
    ]
    assert _fragments('<a href="%(url)s">Create a tag</a> to label %(name)s.') == [
        "create a tag",
        "to label",
    ]
    assert _fragments("%(count)s new posts from %(name)s") == ["new posts from"]
    assert _fragments("l j F Y, H:i") == ["l j f y, h:i"]  # a date format is not on a page


# --- Looking at a page -------------------------------------------------------------------------

# Text people see that is not in the page's text: attribute values (and the tab's title).
_ATTRIBUTE_TEXT = """() => {
  const found = document.title ? [["title", document.title]] : [];
  for (const element of document.querySelectorAll("*")) {
    for (const name of ["placeholder", "aria-label", "title", "alt"]) {
      const value = element.getAttribute(name);
      if (value) found.push([name, value]);
    }
    const type = (element.getAttribute("type") || "").toLowerCase();
    if (element.tagName === "INPUT" && ["submit", "button", "reset"].includes(type)
        && element.value) found.push(["value", element.value]);
    // Words that a script shows (the plural forms of a question, a status).
    for (const attribute of element.attributes) {
      if (attribute.name.startsWith("data-") && /\\s/.test(attribute.value))
        found.push([attribute.name, attribute.value]);
    }
  }
  return found;
}"""

# The elements that stick out to the right of a 390 px screen (the deepest ones first).
_OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.body.querySelectorAll("*")].filter(
    element => element.getBoundingClientRect().right > width + 0.5);
  const deepest = wide.filter(element => !wide.some(
    other => other !== element && element.contains(other)));
  return deepest.slice(0, 4).map(element => {
    const name = element.tagName.toLowerCase()
      + (element.id ? "#" + element.id : "")
      + [...element.classList].map(c => "." + c).join("");
    return `${name} (right edge ${Math.round(element.getBoundingClientRect().right)} px):`
      + ` ${(element.innerText || element.value || "").trim().slice(0, 60)}`;
  });
}"""


@cache
def _pattern(fragment: str) -> re.Pattern:
    return re.compile(rf"(?<!\w){re.escape(fragment)}(?!\w)")


def _english_left(texts: list[tuple[str, str]], sentences: dict) -> list[str]:
    """The catalogue sentences found in `texts` ((where, text) pairs), one line each. A match
    inside a longer one ("Only you" in "Only you see these.") is the longer one's; the hidden
    text (last) only adds what is not shown."""
    found = []
    reported = set()
    for where, text in texts:
        normalized = _normalized(text)
        matches = [
            (match.start(), match.end(), origin, message)
            for fragment, (origin, message) in sentences.items()
            if fragment in normalized
            for match in _pattern(fragment).finditer(normalized)
        ]
        matches.sort(key=lambda match: match[0] - match[1])  # longest first
        taken: list[tuple[int, int]] = []
        for start, end, origin, message in matches:
            if any(first <= start and end <= last for first, last in taken):
                continue
            taken.append((start, end))
            if where == "hidden text" and message in reported:
                continue  # the text shown holds it too
            reported.add(message)
            line = f"English in {where} ({origin}): {message!r}"
            if line not in found:
                found.append(line)
    return found


def _path(url: str) -> str:
    """The path and query of `url` ("/search/?q=Tarte")."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _lands(page: Page, values: dict) -> str:
    return _path((page.lands or page.url).format(**values))


def page_texts(browser_page) -> list[tuple[str, str]]:
    """What people read on the current page, as (where, text) pairs: its text, folded parts
    opened (a <details> is a tap away); the attributes they see; and the text hidden now
    (shown by a script, or without one), which is text all the same."""
    page = browser_page.page
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    texts = [("the text", page.inner_text("body"))]
    texts += [(f"{name}={value!r}", value) for name, value in page.evaluate(_ATTRIBUTE_TEXT)]
    texts.append(("hidden text", page.evaluate("document.body.textContent")))
    return texts


class Journey:
    """One browser (a phone, 390 px) going through every page in one language, collecting
    what is wrong with each and what each says."""

    def __init__(self, browser_page, language: str, values: dict):
        self.browser_page = browser_page
        self.page = browser_page.page
        self.language = language
        self.values = values
        # English sentences that must not be left (none to look for in English).
        self.sentences = None if language == settings.LANGUAGE_CODE else sentences_for(language)
        self.problems: list[str] = []
        self.texts: dict[str, list[tuple[str, str]]] = {}

    def visit(self, pages: dict[str, list[Page]]) -> None:
        for route_pages in pages.values():
            for page in route_pages:
                self.visit_one(page)

    def visit_one(self, page: Page) -> None:
        url = page.url.format(**self.values)
        if page.status != 200:
            self.browser_page.expect_error_status(url)
        response = self.page.goto(url)
        problems = []
        if response.status != page.status:
            problems.append(f"answered {response.status}, not {page.status}")
        lands = _lands(page, self.values)
        if _path(self.page.url) != lands:
            problems.append(f"landed on {_path(self.page.url)}, not {lands}")
        self.look(url, problems)

    def look(self, url: str, problems: list[str] | None = None) -> None:
        """The current page (reached at `url`): its `<html lang>`, sideways scrolling, English
        left, console errors and CSP violations."""
        problems = list(problems or [])
        lang = self.page.evaluate("document.documentElement.lang")
        if lang != self.language:
            problems.append(f'<html lang="{lang}">')
        overflow = self.browser_page.horizontal_overflow()
        if overflow > 0:
            wide = self.page.evaluate(_OVERFLOWING)
            problems.append(f"scrolls sideways by {overflow} px: {wide}")
            slug = re.sub(r"[^a-z0-9]+", "-", url.lower()).strip("-") or "landing"
            self.browser_page.screenshot(f"languages-{self.language}-{slug}")
        texts = page_texts(self.browser_page)
        self.texts[url] = texts
        if self.sentences is not None:
            problems += _english_left(texts, self.sentences)
        problems += self.browser_page.errors
        self.browser_page.errors.clear()
        self.problems += [f"{url}: {problem}" for problem in problems]

    def log_in(self, secret: str) -> None:
        """On the login page: the password, then the second step's page (looked at), then
        the authenticator app's code; lands on the feed."""
        self.page.locator('input[name="login"]').fill("ana")
        self.page.locator('input[name="password"]').fill(PASSWORD)
        self.page.locator('input[name="password"]').press("Enter")
        self.page.wait_for_url("**/accounts/2fa/authenticate/")
        self.look("/accounts/2fa/authenticate/")
        self.page.locator('input[name="code"]').fill(totp_code(secret))
        self.page.locator('input[name="code"]').press("Enter")
        self.page.wait_for_url("**/feed/")

    def confirm_password(self) -> None:
        """On the reauthentication page: the password again."""
        self.page.locator('input[name="password"]').fill(PASSWORD)
        self.page.locator('input[name="password"]').press("Enter")
        self.page.wait_for_url(lambda url: "/reauthenticate/" not in url)


def run_journey(page_factory, language: str) -> Journey:
    """Every page in `language` at 390 px: before login (the browser asks for `language`),
    logging in, then signed in as Ana, whose `language` it is, the browser asking for
    another one."""
    world = _world(language)
    browser_page = page_factory(PHONE)
    # The browser asks for `language` (Accept-Language; a context's `locale` would pin it).
    browser_page.context.set_extra_http_headers({"Accept-Language": language})
    journey = Journey(browser_page, language, world["values"])
    journey.visit(BEFORE_LOGIN)
    journey.log_in(world["totp_secret"])  # on the login page, the last one above

    # From now on the person's `language` decides, whatever the browser asks for.
    other = ALL_LANGUAGES[(ALL_LANGUAGES.index(language) + 1) % len(ALL_LANGUAGES)]
    browser_page.context.set_extra_http_headers({"Accept-Language": other})
    response = browser_page.page.goto("/feed/")
    assert response.request.all_headers()["accept-language"] == other

    journey.visit(SIGNED_IN)
    journey.confirm_password()  # on the reauthentication page, the last one above
    journey.visit(REAUTHENTICATED)
    Authenticator.objects.filter(user=world["owner"], type=Authenticator.Type.TOTP).delete()
    journey.visit(WITHOUT_AUTHENTICATOR_APP)
    return journey


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", TRANSLATED)
def test_every_page_in_the_language(page_factory, settings, language):
    settings.RATELIMIT_ENABLE = False
    settings.MFA_TOTP_TOLERANCE = 1  # a code computed here may arrive in the next 30 s step
    looked_for = sentences_for(language)
    for sentence in THIRD_PARTY_SENTENCES:
        assert all(piece in looked_for for piece in _fragments(sentence)), sentence
    problems = run_journey(page_factory, language).problems
    assert not problems, f"{len(problems)} problems in {language}:\n" + "\n".join(problems)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_every_page_in_english(page_factory, settings):
    """English: `<html lang="en">` and no sideways scrolling; and the sentences of Django and
    allauth listed in THIRD_PARTY_SENTENCES are on their pages, to be looked for elsewhere."""
    settings.RATELIMIT_ENABLE = False
    settings.MFA_TOTP_TOLERANCE = 1
    journey = run_journey(page_factory, "en")
    problems = journey.problems
    for sentence, url in THIRD_PARTY_SENTENCES.items():
        texts = journey.texts[url.format(**journey.values)]
        pieces = dict.fromkeys(_fragments(sentence), ("", sentence))
        if len(_english_left(texts, pieces)) < len(pieces):
            problems.append(f"{url}: {sentence!r} is not there (THIRD_PARTY_SENTENCES)")
    assert not problems, f"{len(problems)} problems in en:\n" + "\n".join(problems)


# --- Without a browser: every page, `<html lang>` in each language -----------------------------


def _fill(route: str, values: dict) -> str:
    """A URL for an action route (any id will do: a GET is refused before it is looked up)."""
    return "/" + re.sub(r"<int:\w+>", "1", route).replace("<str:username>", "ben")


def _answers(client, page: Page, values: dict, language: str) -> list[str]:
    url = page.url.format(**values)
    response = client.get(url, follow=True)
    problems = []
    if response.status_code != page.status:
        problems.append(f"answered {response.status_code}, not {page.status}")
    landed = _path(response.request["PATH_INFO"] + "?" + response.request["QUERY_STRING"])
    if landed != _lands(page, values):
        problems.append(f"landed on {landed}, not {_lands(page, values)}")
    if f'<html lang="{language}"' not in response.content.decode():
        problems.append(f'no <html lang="{language}">')
    return [f"{url}: {problem}" for problem in problems]


@pytest.mark.django_db
@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_every_page_answers_in_the_language(settings, django_capture_on_commit_callbacks, language):
    settings.RATELIMIT_ENABLE = False
    with django_capture_on_commit_callbacks(execute=True):
        world = _world(language)
    values = world["values"]
    other = ALL_LANGUAGES[(ALL_LANGUAGES.index(language) + 1) % len(ALL_LANGUAGES)]
    problems = []

    anonymous = Client(HTTP_ACCEPT_LANGUAGE=language)
    for pages in BEFORE_LOGIN.values():
        for page in pages:
            problems += _answers(anonymous, page, values, language)
    logging_in = Client(HTTP_ACCEPT_LANGUAGE=language)
    response = logging_in.post("/accounts/login/", {"login": "ana", "password": PASSWORD})
    assert response["Location"] == "/accounts/2fa/authenticate/"
    for pages in LOGGING_IN.values():
        for page in pages:
            problems += _answers(logging_in, page, values, language)

    # Signed in: the person's language, while the browser asks for another.
    signed_in = Client(HTTP_ACCEPT_LANGUAGE=other)
    signed_in.force_login(world["owner"])
    for pages in SIGNED_IN.values():
        for page in pages:
            problems += _answers(signed_in, page, values, language)
    response = signed_in.post("/accounts/reauthenticate/", {"password": PASSWORD})
    assert response.status_code == 302
    for pages in REAUTHENTICATED.values():
        for page in pages:
            problems += _answers(signed_in, page, values, language)
    Authenticator.objects.filter(user=world["owner"], type=Authenticator.Type.TOTP).delete()
    for pages in WITHOUT_AUTHENTICATOR_APP.values():
        for page in pages:
            problems += _answers(signed_in, page, values, language)

    # The actions are not pages: a GET is refused.
    for route in sorted(ACTIONS):
        response = signed_in.get(_fill(route, values))
        if response.status_code != 405:
            problems.append(
                f"{_fill(route, values)}: an action answered a GET {response.status_code}"
            )
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_the_world_has_something_on_every_page(settings, django_capture_on_commit_callbacks):
    """Notifications of every kind, requests both ways: the pages show all their parts."""
    with django_capture_on_commit_callbacks(execute=True):
        world = _world("fr")
    kinds = Notification.objects.filter(recipient=world["owner"]).values_list("kind", flat=True)
    assert sorted(set(kinds)) == sorted(
        [
            "comment_after_you",
            "comment_on_your_post",
            "connection_accepted",
            "connection_request",
            "invitation_accepted",
        ]
    )
