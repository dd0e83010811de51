"""In a real browser at phone width (375 px): the people, profile and tags pages fit the screen,
their forms work without writing any script, and nothing trips the CSP."""

import pytest
from playwright.sync_api import expect

from connections.models import Connection, TagMembership
from connections.tests.factories import InvitationFactory, TagFactory, connect
from social.tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

NARROW_PHONE = {"width": 375, "height": 812}


def test_people_and_tags_on_a_phone(page_factory):
    alice = UserFactory(username="alice", display_name="Alice Moreau-Lefèvre de la Fontaine")
    bob = UserFactory(username="bob", display_name="Bob")
    carol = UserFactory(username="carol_with_a_rather_long_name", display_name="Carol")
    connect(alice, bob)
    connect(carol, alice, status=Connection.Status.PENDING)
    invitation = InvitationFactory(inviter=alice)
    tag = TagFactory(owner=alice, name="climbing crew")

    browser_page = page_factory(NARROW_PHONE)
    page = browser_page.page
    page.goto("/accounts/login/")
    page.get_by_label("Login").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_url("**/feed/")

    page.goto("/people/")
    assert browser_page.horizontal_overflow() == 0
    browser_page.screenshot("people-phone")
    # Copying the invitation link: the button says the template's data-copied text a moment.
    browser_page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copy", exact=True).click()
    expect(page.get_by_role("button", name="Copied", exact=True)).to_be_visible()
    assert f"/invite/{invitation.token}/" in page.evaluate("navigator.clipboard.readText()")
    page.get_by_role("button", name="Accept").click()
    page.wait_for_url("**/people/")
    assert Connection.objects.accepted_between(alice, carol).exists()

    page.get_by_label("Find a person").fill("bob@example.com")
    page.get_by_role("button", name="Find").click()
    page.get_by_role("button", name="Remove connection").wait_for()

    page.goto("/tags/")
    assert browser_page.horizontal_overflow() == 0
    page.get_by_label("Add a connection").select_option("bob")
    page.get_by_role("button", name="Add to “climbing crew”").click()
    page.wait_for_url("**/tags/")
    assert TagMembership.objects.filter(tag=tag, target=bob).exists()
    browser_page.screenshot("tags-phone")

    page.goto("/people/bob/")
    assert browser_page.horizontal_overflow() == 0
    browser_page.screenshot("profile-phone")
