"""The README's tour: the demo network (`manage.py seed_demo`) seen by alice, photographed.

Every run writes the pictures to test-artifacts/tour/. To refresh the README's copies in
docs/screenshots/ (small palette PNGs), run:

    UPDATE_README_SCREENSHOTS=1 .venv/bin/pytest intentional/tests/test_e2e_tour.py
"""

import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command
from PIL import Image
from playwright.sync_api import expect

from intentional.tests.browser import ARTIFACTS, PHONE
from social.models import Post

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

README_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
TOUR_VIEWPORT = {"width": 1024, "height": 1000}


def _small_png(source: Path, target: Path) -> None:
    """A 256-colour copy of `source`: the README's pictures stay around 100 KB."""
    with Image.open(source) as image:
        image.convert("RGB").quantize(colors=256, dither=Image.Dither.NONE).save(
            target, optimize=True
        )


def test_tour(page_factory):
    call_command("seed_demo", stdout=io.StringIO())
    coffee = Post.objects.get(author__username="carol", body__startswith="New job, new routine")
    folder = ARTIFACTS / "tour"
    shots = []

    browser_page = page_factory(TOUR_VIEWPORT)
    page = browser_page.page
    browser_page.log_in("alice", "intentional-demo")
    page.goto("/feed/")  # without the "signed in" message
    expect(page.locator(".post").first).to_be_visible()
    shots.append(browser_page.screenshot("feed", folder=folder, full_page=False))
    page.goto(coffee.get_absolute_url())
    expect(page.get_by_role("region", name="Comments")).to_contain_text("This made my day!")
    shots.append(browser_page.screenshot("post", folder=folder, full_page=False))
    page.goto("/digest/")
    expect(page.locator(".digest-page").first).to_be_visible()
    shots.append(browser_page.screenshot("digest", folder=folder, full_page=False))
    page.goto("/people/")
    expect(page.get_by_role("region", name="Your connections")).to_contain_text("@bob")
    shots.append(browser_page.screenshot("people", folder=folder, full_page=False))

    phone_page = page_factory(PHONE)
    phone_page.log_in("alice", "intentional-demo")
    phone_page.page.goto("/digest/")
    shots.append(phone_page.screenshot("digest-phone", folder=folder, full_page=False))

    assert all(shot.stat().st_size > 10_000 for shot in shots)  # real pictures, not blanks
    if os.environ.get("UPDATE_README_SCREENSHOTS"):
        README_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for shot in shots:
            _small_png(shot, README_SCREENSHOTS / shot.name)
