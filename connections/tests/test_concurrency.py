"""Races (acceptance 4), with real concurrent transactions on PostgreSQL: crossing requests end
as one accepted connection, and two accepts racing for the last free slot cannot both win.

SQLite cannot run concurrent writers (it serializes them), so these run on PostgreSQL only.
"""

import pytest
from django.core.exceptions import ValidationError

from connections import services
from connections.models import Block, Connection
from connections.tests.factories import connect
from intentional.tests.races import postgres_only, race
from social.tests.factories import UserFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    postgres_only,
]

ROUNDS = 5


def test_crossing_requests_make_one_accepted_connection():
    for _round in range(ROUNDS):
        alice, bob = UserFactory(), UserFactory()
        outcomes = race(
            lambda alice=alice, bob=bob: services.connection_request(
                user=alice, username=bob.username
            ),
            lambda alice=alice, bob=bob: services.connection_request(
                user=bob, username=alice.username
            ),
        )
        assert all(isinstance(outcome, Connection) for outcome in outcomes), outcomes
        rows = list(Connection.objects.between(alice, bob))
        assert len(rows) == 1
        assert rows[0].status == Connection.Status.ACCEPTED
        assert {outcome.pk for outcome in outcomes} == {rows[0].pk}


def test_two_accepts_race_for_the_last_slot(settings):
    settings.INTENTIONAL_MAX_CONNECTIONS = 2
    for _round in range(ROUNDS):
        popular, bob, carol = UserFactory(), UserFactory(), UserFactory()
        connect(popular, UserFactory())  # one slot left
        to_bob = connect(popular, bob, status=Connection.Status.PENDING)
        to_carol = connect(popular, carol, status=Connection.Status.PENDING)
        outcomes = race(
            lambda bob=bob, pk=to_bob.pk: services.connection_accept(user=bob, connection_id=pk),
            lambda carol=carol, pk=to_carol.pk: services.connection_accept(
                user=carol, connection_id=pk
            ),
        )
        won = [outcome for outcome in outcomes if isinstance(outcome, Connection)]
        refused = [outcome for outcome in outcomes if isinstance(outcome, ValidationError)]
        assert len(won) == 1 and len(refused) == 1, outcomes
        assert "already has 2 connections" in refused[0].messages[0]
        assert Connection.objects.accepted().of(popular).count() == 2


def test_two_requests_race_for_the_last_slot(settings):
    settings.INTENTIONAL_MAX_CONNECTIONS = 2
    for _round in range(ROUNDS):
        popular, bob, carol = UserFactory(), UserFactory(), UserFactory()
        connect(popular, UserFactory())
        # Each of them had been asked by `popular`: requesting back accepts, using the slot.
        connect(popular, bob, status=Connection.Status.PENDING)
        connect(popular, carol, status=Connection.Status.PENDING)
        outcomes = race(
            lambda bob=bob, p=popular: services.connection_request(user=bob, username=p.username),
            lambda carol=carol, p=popular: services.connection_request(
                user=carol, username=p.username
            ),
        )
        assert sum(isinstance(outcome, Connection) for outcome in outcomes) == 1, outcomes
        assert Connection.objects.accepted().of(popular).count() == 2


ANSWERS = {
    # action: (who answers, method, URL, success status, connection's status before)
    "accept": ("bob", "post", "/api/v1/connections/requests/{pk}/accept/", 200, "pending"),
    "decline": ("bob", "post", "/api/v1/connections/requests/{pk}/decline/", 204, "pending"),
    "cancel": ("alice", "delete", "/api/v1/connections/requests/{pk}/", 204, "pending"),
    "remove": ("bob", "delete", "/api/v1/connections/{alice}/", 204, "accepted"),
}


@pytest.mark.parametrize("action", ANSWERS)
def test_an_answer_racing_a_block_is_its_success_or_404_never_500(action, mailoutbox):
    """Through the whole API stack: whoever takes the people's locks first wins; the loser
    answers 404 (the row is gone), and no "accepted" email goes out for a lost accept."""
    from rest_framework.test import APIClient
    from rest_framework_simplejwt.tokens import RefreshToken

    who, method, url, success, status = ANSWERS[action]
    for _round in range(ROUNDS * 2):
        alice, bob = UserFactory(), UserFactory()
        row = connect(alice, bob, status=status)
        client = APIClient()
        actor = alice if who == "alice" else bob
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(actor).access_token}")
        path = url.format(pk=row.pk, alice=alice.username)
        sent_before = len(mailoutbox)
        answer, block = race(
            lambda client=client, path=path: getattr(client, method)(path),
            lambda alice=alice, bob=bob: services.block_create(user=alice, username=bob.username),
        )
        assert not isinstance(answer, Exception), answer
        assert isinstance(block, Block), block
        assert answer.status_code in (success, 404), answer.content
        if answer.status_code == 404:
            assert answer.json()["error"]["type"] == "not_found"
            assert len(mailoutbox) == sent_before
        assert not Connection.objects.between(alice, bob).exists()
