"""Every main page in a real browser: no serious or critical axe-core violation, no horizontal
scrolling at 390 px, keyboard focus that shows, and forms that work with JavaScript off.

The pages are checked twice: full (the demo network of `manage.py seed_demo`, seen by alice) and
empty (someone who has just signed up), because empty states are pages too.
"""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from connections.models import Connection
from connections.tests.factories import TagFactory, connect
from intentional.tests.browser import DESKTOP, VIEWPORTS
from social.models import Comment, Post
from social.tests.factories import PASSWORD, PostFactory, UserFactory
from social.tests.helpers import image_bytes

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

DEMO_PASSWORD = "intentional-demo"
PUBLIC_PAGES = [
    ("landing", "/"),
    ("signup", "/accounts/signup/"),
    ("login", "/accounts/login/"),
    ("password-reset", "/accounts/password/reset/"),
]


def _signed_in_pages(post_path: str, person: str) -> list[tuple[str, str]]:
    return [
        ("feed", "/feed/"),
        ("post", post_path),
        ("compose", "/posts/new/"),
        ("people", "/people/"),
        ("profile", f"/people/{person}/"),
        ("tags", "/tags/"),
        ("digest", "/digest/"),
        ("notifications", "/notifications/"),
        ("settings", "/settings/"),
        ("search", "/search/?q=minutes"),
    ]


@pytest.fixture
def demo_post_path(live_server) -> str:
    """The demo network; the path of a post of Bob's with a photo and comments."""
    call_command("seed_demo", stdout=io.StringIO())
    post = (
        Post.objects.filter(author__username="bob", photos__isnull=False, comments__isnull=False)
        .distinct()
        .earliest("created_at")
    )
    return post.get_absolute_url()


# Images without a width and height, or not lazy-loaded (the page would jump as they arrive).
UNSIZED_IMAGES = """() => [...document.images]
  .filter(img => !img.getAttribute("width") || !img.getAttribute("height")
                 || img.getAttribute("loading") !== "lazy")
  .map(img => img.outerHTML)"""


def _check_pages(browser_page, pages, label: str, prefix: str) -> dict:
    """axe (serious and critical), horizontal overflow and image attributes of each page;
    what went wrong, by page."""
    problems = {}
    for name, path in pages:
        response = browser_page.page.goto(path)
        assert response.status == 200, path
        found = {
            "axe": browser_page.axe_violations(),
            "overflow_px": browser_page.horizontal_overflow(),
            "images": browser_page.page.evaluate(UNSIZED_IMAGES),
        }
        browser_page.screenshot(f"{prefix}-{name}-{label}")
        if any(found.values()):
            problems[name] = found
    return problems


@pytest.mark.parametrize(("viewport", "label"), VIEWPORTS)
def test_public_pages(page_factory, viewport, label):
    browser_page = page_factory(viewport)
    assert _check_pages(browser_page, PUBLIC_PAGES, label, "page") == {}


@pytest.mark.parametrize(("viewport", "label"), VIEWPORTS)
def test_signed_in_pages_with_a_network(page_factory, demo_post_path, viewport, label):
    browser_page = page_factory(viewport)
    browser_page.log_in("alice", DEMO_PASSWORD)
    pages = _signed_in_pages(demo_post_path, "bob")
    assert _check_pages(browser_page, pages, label, "page") == {}


@pytest.mark.parametrize(("viewport", "label"), VIEWPORTS)
def test_signed_in_pages_empty_states(page_factory, viewport, label):
    """A newcomer's pages say what to do next, and pass the same checks."""
    newcomer = UserFactory(username="newcomer", display_name="New Comer")
    own_post = PostFactory(author=newcomer, body="Hello, is anyone here?")
    browser_page = page_factory(viewport)
    page = browser_page.page
    browser_page.log_in("newcomer", PASSWORD)
    pages = _signed_in_pages(own_post.get_absolute_url(), "newcomer")
    assert _check_pages(browser_page, pages, label, "empty") == {}

    # Each empty state points to the next step, with a link that goes there.
    page.goto("/people/")
    expect(page.get_by_role("region", name="Your connections")).to_contain_text(
        "No connections yet"
    )
    page.goto("/tags/")
    expect(page.locator(".empty-state")).to_contain_text("Create one above")
    page.goto("/digest/")
    expect(page.get_by_role("heading", name="A quiet week")).to_be_visible()
    page.get_by_role("link", name="Find people you know").click()
    page.wait_for_url("**/people/")
    page.goto(own_post.get_absolute_url())
    expect(page.get_by_role("region", name="Comments")).to_contain_text("No comments yet")


def _focus_ring(page) -> dict:
    """What the focused element is, and whether it shows a focus indicator."""
    return page.evaluate(
        """() => {
          const el = document.activeElement, style = getComputedStyle(el);
          const rect = el.getBoundingClientRect();
          return {
            tag: el.tagName.toLowerCase(),
            text: (el.innerText || el.value || el.getAttribute("aria-label") || "").trim(),
            ring: (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0)
                  || style.boxShadow !== "none",
            onScreen: rect.width > 0 && rect.height > 0 && rect.left >= 0 && rect.top >= 0,
          };
        }"""
    )


def test_the_keyboard_alone_can_post_and_every_focus_shows(page_factory, user):
    """Tab from the top of the feed: a skip link first, then every stop has a visible focus
    ring, and the compose box can be filled in and sent with keys only."""
    browser_page = page_factory(DESKTOP)
    page = browser_page.page
    browser_page.log_in(user.username, PASSWORD)
    page.keyboard.press("Tab")
    first = _focus_ring(page)
    assert (first["text"], first["ring"], first["onScreen"]) == ("Skip to content", True, True)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("#main$"))

    stops = []
    for _ in range(30):  # past the skip link, the nav and into the compose box
        page.keyboard.press("Tab")
        stop = _focus_ring(page)
        stops.append(stop)
        if stop["tag"] == "textarea":
            break
    assert stops[-1]["tag"] == "textarea", stops
    assert [stop for stop in stops if not (stop["ring"] and stop["onScreen"])] == []
    page.keyboard.type("Typed with the keyboard only.")
    for _ in range(20):
        page.keyboard.press("Tab")
        stop = _focus_ring(page)
        assert stop["ring"], stop
        if stop["tag"] == "button" and stop["text"] == "Post":
            break
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/posts/\d+/$"))
    assert Post.objects.get(author=user).body == "Typed with the keyboard only."


@pytest.mark.parametrize(("viewport", "label"), VIEWPORTS)
def test_everything_works_with_javascript_off(page_factory, viewport, label):
    """Connect, tag, post with a photo to a tag, comment and delete: plain HTML forms."""
    ana = UserFactory(username="ana", display_name="Ana")
    ben = UserFactory(username="ben", display_name="Ben")
    connect(ben, ana, status=Connection.Status.PENDING)
    family = TagFactory(owner=ana, name="family")
    browser_page = page_factory(viewport, javascript=False)
    page = browser_page.page
    browser_page.log_in("ana", PASSWORD)

    page.goto("/people/")
    page.get_by_role("region", name="Requests for you").get_by_role("button", name="Accept").click()
    expect(page.get_by_role("region", name="Your connections")).to_contain_text("@ben")
    page.goto("/tags/")
    page.get_by_label("Add a connection").select_option("ben")
    page.get_by_role("button", name="Add to “family”").click()
    expect(page.get_by_role("region", name=re.compile("^family"))).to_contain_text("@ben")

    page.goto("/feed/")
    # Without script the compose box stays folded behind "Share something" and opens on a click.
    compose = browser_page.compose()
    compose.get_by_label("What would you like to share?").fill("No script needed.")
    compose.get_by_label("Only people with these tags").check()
    compose.get_by_label("family").check()
    compose.get_by_label("Photos").set_input_files(
        [{"name": "a.png", "mimeType": "image/png", "buffer": image_bytes(fmt="PNG")}]
    )
    compose.get_by_role("button", name="Post").click()
    page.wait_for_url(re.compile(r"/posts/\d+/$"))
    post = Post.objects.get(author=ana)
    assert (post.audience, post.photos.count()) == ("tags", 1)
    assert list(post.audience_tags.all()) == [family]
    page.get_by_label("Add a comment").fill("And no script for comments.")
    page.get_by_role("button", name="Comment", exact=True).click()
    expect(page.get_by_role("region", name="Comments")).to_contain_text("no script for comments")
    browser_page.screenshot(f"nojs-post-{label}")
    # Without JavaScript there is no confirmation dialog: the form simply submits.
    page.get_by_role("region", name="Comments").get_by_role("button", name="Delete").click()
    expect(page.get_by_role("region", name="Comments")).to_contain_text("No comments yet")
    assert not Comment.objects.exists()

    # Renaming a tag sits in a <details>, which opens without script too.
    page.goto("/tags/")
    page.get_by_text("Rename or delete").click()
    page.get_by_label("New name").fill("close family")
    page.get_by_role("button", name="Rename").click()
    expect(page.get_by_role("heading", name=re.compile("^close family"))).to_be_visible()
    family.refresh_from_db()
    assert family.name == "close family"
