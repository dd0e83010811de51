"""The Django admin for users: staff search by email or username and filter."""

import pytest

from social.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_staff_can_search_users(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    UserFactory(username="findme", email="hidden@example.org")
    UserFactory(username="other")
    client.force_login(staff)
    html = client.get("/admin/social/user/", {"q": "hidden@example"}).content.decode()
    assert "findme" in html and "other" not in html
    html = client.get(
        "/admin/social/user/", {"is_active__exact": "1", "q": "find"}
    ).content.decode()
    assert "findme" in html


def test_non_staff_cannot_open_the_admin(client, user):
    client.force_login(user)
    response = client.get("/admin/social/user/")
    assert response.status_code == 302
