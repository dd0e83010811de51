"""Search (SPEC §9): only what `visible_to` lets the viewer see, ranked then newest, keyset
pages, connections by name, 2–200 characters, constant queries; the page and the nav box."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from connections.models import Connection
from connections.tests.factories import BlockFactory, TagFactory, connect
from social import selectors
from social.models import Post
from social.tests.factories import PostFactory, UserFactory
from social.tests.helpers import network
from social.tests.test_api_posts import client_for

pytestmark = pytest.mark.django_db

WORD = "zanzibarish"


@pytest.fixture
def net(settings):
    settings.RATELIMIT_ENABLE = False
    return network()


def _found(user, query=WORD) -> set[int]:
    return {post.pk for post in selectors.search_for(viewer=user, query=query).posts}


def test_a_post_hidden_by_each_way_of_hiding_is_never_found(net):
    author, tagged, untagged = net["author"], net["tagged"], net["untagged"]
    blocked, removed = UserFactory(), UserFactory()
    connect(author, blocked)
    BlockFactory(blocker=author, blocked=blocked)
    connect(author, removed)
    hidden_ways = {
        "tags": PostFactory(
            author=author, body=f"{WORD} tags", audience="tags", audience_tags=[net["family"]]
        ),
        "private": PostFactory(author=author, body=f"{WORD} private", audience="private"),
        "everyone": PostFactory(author=author, body=f"{WORD} everyone"),
    }
    Connection.objects.between(author, removed).delete()
    # Narrowed after posting: the "everyone" post becomes a tag post.
    narrowed = PostFactory(author=author, body=f"{WORD} narrowed")
    narrowed.audience = "tags"
    narrowed.save()
    narrowed.audience_tags.set([TagFactory(owner=author)])

    assert _found(author) == {post.pk for post in [*hidden_ways.values(), narrowed]}
    assert _found(tagged) == {hidden_ways["tags"].pk, hidden_ways["everyone"].pk}
    assert _found(untagged) == {hidden_ways["everyone"].pk}
    for nobody in (net["stranger"], blocked, removed):
        assert _found(nobody) == set()
        response = client_for(nobody).get(f"/api/v1/search/?q={WORD}")
        assert response.status_code == 200
        assert response.json() == {"results": [], "people": [], "next": None}


def test_search_finds_nothing_outside_visible_to_on_the_page(net, client):
    PostFactory(author=net["author"], body=f"secret {WORD}", audience="private")
    visible = PostFactory(author=net["author"], body=f"open {WORD}")
    client.force_login(net["untagged"])
    response = client.get(f"/search/?q={WORD}")
    assert response.status_code == 200
    body = response.content.decode()
    assert f"open {WORD}" in body and f"secret {WORD}" not in body
    assert visible.get_absolute_url() in body


def test_people_are_the_viewers_accepted_connections_by_name_or_username(net):
    viewer = net["author"]
    ana = UserFactory(username="ana_k", display_name="Ana Karenina")
    bob = UserFactory(username="bobkar", display_name="Bob")
    pending = UserFactory(username="karl_pending", display_name="Karl")
    stranger = UserFactory(username="kara_stranger", display_name="Kara")
    connect(viewer, ana)
    connect(viewer, bob)
    connect(viewer, pending, status=Connection.Status.PENDING)
    found = selectors.search_for(viewer=viewer, query="KAR")
    assert {person.pk for person in found.people} == {ana.pk, bob.pk}
    assert stranger.pk not in {person.pk for person in found.people}


@pytest.mark.parametrize("query", ["", "x", " x ", "y" * 201])
def test_a_query_of_the_wrong_length_is_a_clear_400(net, client, query):
    response = client_for(net["author"]).get("/api/v1/search/", {"q": query})
    assert response.status_code == 400
    assert "q" in response.json()["error"]["fields"]
    client.force_login(net["author"])
    page = client.get("/search/", {"q": query})
    assert page.status_code == 400
    assert 'class="field-error"' in page.content.decode()
    assert "2 to 200 characters" in page.content.decode()


def test_the_search_page_without_a_query_shows_the_box(net, client):
    client.force_login(net["author"])
    response = client.get("/search/")
    assert response.status_code == 200
    assert 'name="q"' in response.content.decode()


def test_the_navigation_has_a_search_box(net, client):
    client.force_login(net["author"])
    body = client.get("/feed/").content.decode()
    assert 'role="search"' in body and 'action="/search/"' in body


def test_a_bad_cursor_is_a_400(net):
    response = client_for(net["author"]).get("/api/v1/search/", {"q": WORD, "cursor": "nope"})
    assert response.status_code == 400


def test_keyset_pages_cover_every_match_once_best_first_then_newest(net, settings):
    settings.FEED_PAGE_SIZE = 4
    author = net["author"]
    now = timezone.now()
    posts = []
    for n in range(11):
        # Some posts say the word more often (a higher rank on PostgreSQL).
        body = " ".join([WORD] * (1 + n % 3)) + f" number {n}"
        posts.append(PostFactory(author=author, body=body, created_at=now - timedelta(hours=n)))
    PostFactory(author=author, body="unrelated words")
    client = client_for(net["tagged"])
    seen, url = [], f"/api/v1/search/?q={WORD}"
    while url:
        page = client.get(url).json()
        assert len(page["results"]) <= 4
        seen += [post["id"] for post in page["results"]]
        url = page["next"]
    assert sorted(seen) == sorted(post.pk for post in posts)
    ranked = list(selectors._search_posts(viewer=net["tagged"], query=WORD))
    assert seen == [post.pk for post in ranked]
    keys = [(-post.rank, -post.created_at.timestamp(), -post.pk) for post in ranked]
    assert keys == sorted(keys)


@pytest.mark.parametrize("count", [2, 12])
def test_api_search_query_count_is_constant(net, django_assert_num_queries, count):
    author = net["author"]
    for n in range(count):
        PostFactory(author=author, body=f"{WORD} {n}")
        connect(author, UserFactory(username=f"{WORD}_{n}"))
    client = client_for(author)
    # 1 the JWT user, 2 the posts (posts_visible: author joined; comment count, photos and
    # own tags as subqueries), 3 the matching connections.
    with django_assert_num_queries(3):
        response = client.get(f"/api/v1/search/?q={WORD}")
    assert len(response.json()["results"]) == count
    assert len(response.json()["people"]) == count


@pytest.mark.parametrize("count", [2, 12])
def test_search_page_query_count_is_constant(net, client, django_assert_num_queries, count):
    author = net["author"]
    for n in range(count):
        PostFactory(author=author, body=f"{WORD} {n}")
    client.force_login(author)
    # 1 the session, 2 the user, 3 the posts, 4 the matching connections, 5 the navigation's
    # unread notification count.
    with django_assert_num_queries(5):
        response = client.get(f"/search/?q={WORD}")
    assert response.content.decode().count('class="post card') == count


def test_postgresql_stems_and_uses_the_gin_index_sqlite_matches_plainly(net):
    PostFactory(author=net["author"], body="We walked along the river")
    found = _found(net["tagged"], "walking rivers")
    query = selectors._search_posts(viewer=net["tagged"], query="walking")
    if connection.vendor == "postgresql":
        assert len(found) == 1  # English stemming: walking ~ walked, rivers ~ river
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            plan = "\n".join(str(row) for row in query.explain().splitlines())
        assert "post_body_search_english" in plan
    else:
        assert found == set()  # a plain match: "walking" is not in "walked"
        assert _found(net["tagged"], "WALKED river") != set()
        assert "LIKE" in str(query.query)
    assert Post.objects.count() == 1  # audience-ok: test set-up
