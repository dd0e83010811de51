"""Caching that is never stale on permissions (issue: performance at scale).

Photos are the only thing cached per request path: presigned URLs (S3/R2 mode) by storage key,
and browsers' copies of the checked photo view (Cache-Control + ETag). A permission change must
show on the very next request, whatever the cache holds. CI runs this with Redis as the cache
(REDIS_URL) and again with local memory.
"""

import os

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from connections import services as connection_services
from social import services
from social.storage import _presigned_cache_key
from social.tests.helpers import network, upload
from social.tests.test_s3_storage import moto_endpoint, s3  # noqa: F401 (fixtures)


def _api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def _the_cache_is_redis_when_configured() -> None:
    backend = django_settings.CACHES["default"]["BACKEND"]
    if os.environ.get("REDIS_URL"):
        assert "redis" in backend.lower(), backend


CHANGES = {
    "connection removed": lambda net, post: connection_services.connection_remove(
        user=net["author"], username="tagged"
    ),
    "viewer blocked": lambda net, post: connection_services.block_create(
        user=net["author"], username="tagged"
    ),
    "tag membership removed": lambda net, post: connection_services.tag_member_remove(
        owner=net["author"], tag_id=net["family"].pk, username="tagged"
    ),
    "tag deleted": lambda net, post: connection_services.tag_delete(
        owner=net["author"], tag_id=net["family"].pk
    ),
    "audience narrowed": lambda net, post: services.post_update(
        user=net["author"], post_id=post.pk, audience="private"
    ),
}


@pytest.fixture
def net(db, settings):
    settings.RATELIMIT_ENABLE = False
    return network()


def _tagged_post_with_photo(net):
    return services.post_create(
        author=net["author"],
        body="hello",
        audience="tags",
        audience_tags=[net["family"]],
        photos=[upload()],
    )


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_permission_change_shows_on_the_very_next_request(net, change):
    _the_cache_is_redis_when_configured()
    post = _tagged_post_with_photo(net)
    photo = post.photos.get()
    viewer = _api(net["tagged"])
    photo_path = f"/photos/{photo.pk}/display/"
    # Everything the viewer may see, loaded once (warming whatever is cached).
    assert [p["id"] for p in viewer.get("/api/v1/feed/").json()["results"]] == [post.pk]
    assert viewer.get(f"/api/v1/posts/{post.pk}/").status_code == 200
    assert viewer.get(f"/api/v1/posts/{post.pk}/comments/").status_code == 200
    first = viewer.get(photo_path)
    assert first.status_code == 200 and first["ETag"]
    assert first["Cache-Control"] == "private, max-age=3600"
    revalidated = viewer.get(photo_path, HTTP_IF_NONE_MATCH=first["ETag"])
    assert revalidated.status_code == 304 and revalidated["ETag"] == first["ETag"]

    CHANGES[change](net, post)

    assert viewer.get("/api/v1/feed/").json()["results"] == []
    assert viewer.get(f"/api/v1/posts/{post.pk}/").status_code == 404
    assert viewer.get(f"/api/v1/posts/{post.pk}/comments/").status_code == 404
    assert viewer.get(photo_path).status_code == 404
    # A browser revalidating its copy gets a 404, never a 304.
    assert viewer.get(photo_path, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 404


def test_widening_the_audience_shows_the_post_on_the_next_request(net):
    post = _tagged_post_with_photo(net)
    untagged = _api(net["untagged"])
    assert untagged.get("/api/v1/feed/").json()["results"] == []
    services.post_update(user=net["author"], post_id=post.pk, audience="connections")
    assert [p["id"] for p in untagged.get("/api/v1/feed/").json()["results"]] == [post.pk]


def test_presigned_urls_are_stable_and_never_outlive_a_permission_change(s3, net):  # noqa: F811
    _the_cache_is_redis_when_configured()
    post = _tagged_post_with_photo(net)
    photo = post.photos.get()
    viewer = _api(net["tagged"])
    first = viewer.get(f"/api/v1/posts/{post.pk}/").json()["photos"][0]
    second = viewer.get("/api/v1/feed/").json()["results"][0]["photos"][0]
    # One URL per photo for its window, so a browser's cached copy is reused.
    assert first["url"] == second["url"] and first["thumbnail_url"] == second["thumbnail_url"]
    assert first["url"] != first["thumbnail_url"]
    assert cache.get(_presigned_cache_key(photo.display_key)) == first["url"]
    redirect = viewer.get(f"/photos/{photo.pk}/display/")
    assert redirect.status_code == 302 and redirect["Location"] == first["url"]

    connection_services.connection_remove(user=net["author"], username="tagged")

    # The cached URL is still in the cache, but nobody is handed it any more.
    assert cache.get(_presigned_cache_key(photo.display_key)) == first["url"]
    assert viewer.get("/api/v1/feed/").json()["results"] == []
    assert viewer.get(f"/api/v1/posts/{post.pk}/").status_code == 404
    assert viewer.get(f"/photos/{photo.pk}/display/").status_code == 404


def test_deleting_a_photo_forgets_its_presigned_urls(s3, net, django_capture_on_commit_callbacks):  # noqa: F811
    post = _tagged_post_with_photo(net)
    photo = post.photos.get()
    _api(net["tagged"]).get(f"/api/v1/posts/{post.pk}/")
    assert cache.get(_presigned_cache_key(photo.thumbnail_key))
    with django_capture_on_commit_callbacks(execute=True):
        services.post_delete(user=net["author"], post_id=post.pk)
    assert cache.get(_presigned_cache_key(photo.thumbnail_key)) is None
    assert cache.get(_presigned_cache_key(photo.display_key)) is None
