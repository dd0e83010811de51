"""Notifications (SPEC §8, issue 14): made by the actions that cause them, grouped while unread,
shown only while their recipient may still see what they are about — on the page, in the API,
in the unread count and in every email."""

import re
import threading

import pytest
from django.core import mail
from django.db import connection, connections
from django.test import Client
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from connections import services as graph
from connections.models import Connection, Invitation
from connections.tests.factories import TagFactory, TagMembershipFactory, connect
from intentional.metrics import NOTIFICATIONS_CREATED, NOTIFICATIONS_EMAILED
from social import services
from social.models import Notification, NotificationActor, NotificationKind
from social.tests.factories import PostFactory, UserFactory

pytestmark = pytest.mark.django_db

KIND = NotificationKind


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run `action()` and what it queued for after its commit (notifications are made then)."""

    def run(action):
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    return run


@pytest.fixture
def no_instant_send(monkeypatch):
    """Instant emails stay pending (as if the 10-minute wait were not over): tests send them
    with `notification_email_deliver` when they choose."""
    queued = []
    monkeypatch.setattr(services, "_queue_notification_email", queued.append)
    return queued


def page_html(user) -> str:
    client = Client()
    client.force_login(user)
    response = client.get("/notifications/")
    assert response.status_code == 200
    return response.content.decode()


def api_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def api_list(user) -> dict:
    response = api_for(user).get("/api/v1/notifications/")
    assert response.status_code == 200
    return response.json()


def nav_count(user) -> int:
    """The unread count the navigation shows (0 when it shows none)."""
    client = Client()
    client.force_login(user)
    html = client.get("/feed/").content.decode()
    match = re.search(r'class="nav-count">(\d+)<', html)
    return int(match.group(1)) if match else 0


def comment_on(committed, author, post, body="A comment"):
    return committed(lambda: services.comment_create(author=author, post_id=post.pk, body=body))


# --- Each kind, made by its action ---------------------------------------------------------------


def test_a_request_notifies_the_recipient_and_its_acceptance_the_requester(committed):
    ana, bo = UserFactory(display_name="Ana"), UserFactory(display_name="Bo")
    request = committed(lambda: graph.connection_request(user=ana, username=bo.username))
    (asked,) = api_list(bo)["results"]
    assert asked["kind"] == KIND.CONNECTION_REQUEST and asked["request"] == request.pk
    assert asked["actors"] == [{"username": ana.username, "display_name": "Ana"}]
    assert api_list(ana)["results"] == []
    committed(lambda: graph.connection_accept(user=bo, connection_id=request.pk))
    (accepted,) = api_list(ana)["results"]
    assert accepted["kind"] == KIND.CONNECTION_ACCEPTED and accepted["actor_count"] == 1
    assert "Bo accepted your request to connect" in page_html(ana)


def test_a_crossing_request_tells_the_first_requester_it_was_accepted(committed):
    ana, bo = UserFactory(), UserFactory()
    connect(ana, bo, status=Connection.Status.PENDING)
    committed(lambda: graph.connection_request(user=bo, username=ana.username))
    assert [item["kind"] for item in api_list(ana)["results"]] == [KIND.CONNECTION_ACCEPTED]


def test_nothing_is_made_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    ana, bo = UserFactory(), UserFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        graph.connection_request(user=ana, username=bo.username)
    assert callbacks  # waiting for a commit that never comes in this test
    assert not Notification.objects.exists()


def test_signing_up_through_an_invitation_notifies_the_inviter(committed):
    ana = UserFactory(display_name="Ana")
    invitation = Invitation.objects.create(inviter=ana)
    nora = UserFactory(username="nora", display_name="Nora")
    committed(lambda: graph.invitation_accept(user=nora, token=invitation.token))
    (joined,) = api_list(ana)["results"]
    assert joined["kind"] == KIND.INVITATION_ACCEPTED
    assert "Nora joined through your invitation" in page_html(ana)


def test_an_announcement_made_twice_is_told_once():
    ana, bo = UserFactory(), UserFactory()
    request = connect(ana, bo, status=Connection.Status.PENDING)
    about = {"recipient_id": bo.pk, "actor_id": ana.pk, "connection_id": request.pk}
    assert services.notification_record(kind=KIND.CONNECTION_REQUEST, **about) is not None
    assert services.notification_record(kind=KIND.CONNECTION_REQUEST, **about) is None
    assert NotificationActor.objects.count() == 1


def test_comments_notify_the_author_and_the_earlier_commenters_grouped_while_unread(committed):
    author = UserFactory(display_name="Pat")
    ana, bo, cy = (UserFactory(display_name=name) for name in ("Ana", "Bo", "Cy"))
    for person in (ana, bo, cy):
        connect(author, person)
    connect(ana, bo)
    post = PostFactory(author=author)
    comment_on(committed, ana, post, "First!")
    comment_on(committed, bo, post, "Second")
    last = comment_on(committed, cy, post, "Third")
    (grouped,) = api_list(author)["results"]
    assert grouped["kind"] == KIND.COMMENT_ON_YOUR_POST and grouped["actor_count"] == 3
    assert [actor["username"] for actor in grouped["actors"]] == [
        cy.username,
        bo.username,
        ana.username,
    ]
    assert (grouped["post"], grouped["comment"], grouped["read"]) == (post.pk, last.pk, False)
    assert "Cy and 2 others commented on your post" in page_html(author)
    # Ana commented before Bo and Cy; she sees Bo's comment (connected), not Cy's.
    (after,) = api_list(ana)["results"]
    assert after["kind"] == KIND.COMMENT_AFTER_YOU and after["actor_count"] == 1
    assert after["actors"][0]["username"] == bo.username
    # Own comments notify nobody of themselves.
    comment_on(committed, author, post, "Thanks all")
    assert api_list(author)["results"][0]["actor_count"] == 3


def test_a_read_group_is_not_joined_again(committed):
    author, ana, bo = UserFactory(), UserFactory(), UserFactory()
    connect(author, ana)
    connect(author, bo)
    post = PostFactory(author=author)
    comment_on(committed, ana, post)
    services.notifications_mark_read(user=author)
    comment_on(committed, bo, post)
    results = api_list(author)["results"]
    assert [(item["actor_count"], item["read"]) for item in results] == [(1, False), (1, True)]


def test_reading_one_and_marking_all_read(committed):
    author, ana = UserFactory(), UserFactory()
    connect(author, ana)
    first, second = PostFactory(author=author), PostFactory(author=author)
    comment_on(committed, ana, first)
    comment_on(committed, ana, second)
    client = Client()
    client.force_login(author)
    assert nav_count(author) == 2 and api_list(author)["unread_count"] == 2
    newest = Notification.objects.get(post=second)
    response = client.get(f"/notifications/{newest.pk}/")
    assert response.status_code == 302 and response["Location"].startswith(f"/posts/{second.pk}/")
    assert "#comment-" in response["Location"]
    assert nav_count(author) == 1
    assert client.post("/notifications/read/").status_code == 302
    assert nav_count(author) == 0 and api_list(author)["unread_count"] == 0
    assert "Mark all read" not in page_html(author)


def test_the_api_marks_the_ids_given_or_all_and_ignores_others(committed):
    author, ana, other = UserFactory(), UserFactory(), UserFactory()
    connect(author, ana)
    connect(other, ana)
    mine = [PostFactory(author=author) for _ in range(2)]
    for post in [*mine, PostFactory(author=other)]:
        comment_on(committed, ana, post)
    theirs = Notification.objects.get(recipient=other)
    first = Notification.objects.get(post=mine[0])
    client = api_for(author)
    response = client.post(
        "/api/v1/notifications/read/", {"ids": [first.pk, theirs.pk]}, format="json"
    )
    assert response.status_code == 204
    assert api_list(author)["unread_count"] == 1
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert client.post("/api/v1/notifications/read/", {}, format="json").status_code == 204
    assert api_list(author)["unread_count"] == 0
    bad = client.post("/api/v1/notifications/read/", {"ids": ["x"]}, format="json")
    assert bad.status_code == 400


def test_the_page_groups_by_day_and_pages_by_keyset(committed, settings):
    settings.NOTIFICATIONS_PAGE_SIZE = 2
    author, ana = UserFactory(), UserFactory()
    connect(author, ana)
    posts = [PostFactory(author=author) for _ in range(3)]
    for post in posts:
        comment_on(committed, ana, post)
    Notification.objects.filter(post=posts[0]).update(created_at="2026-01-05T10:00:00Z")
    client = Client()
    client.force_login(author)
    first = client.get("/notifications/").content.decode()
    assert first.count('class="notification unread"') == 2
    older = re.search(r'href="(/notifications/\?cursor=[^"]+)"', first).group(1)
    second = client.get(older.replace("&amp;", "&")).content.decode()
    assert second.count('class="notification unread"') == 1
    assert "Monday 5 January 2026" in second and "That's everything." in second
    assert client.get("/notifications/?cursor=nonsense").status_code == 400


def test_metrics_count_created_notifications_per_kind(committed):
    before = NOTIFICATIONS_CREATED.labels(kind=KIND.CONNECTION_REQUEST)._value.get()
    ana, bo = UserFactory(), UserFactory()
    committed(lambda: graph.connection_request(user=ana, username=bo.username))
    after = NOTIFICATIONS_CREATED.labels(kind=KIND.CONNECTION_REQUEST)._value.get()
    assert after == before + 1


# --- The rule: shown only while its subject is visible (acceptance 2) ----------------------------


def _comment_world(committed, kind):
    """Pat posts to their tag "close" (everyone in it); Rae commented first, then Cy comments.
    The recipient is Pat for comment_on_your_post and Rae for comment_after_you."""
    pat, rae, cy = (UserFactory(display_name=name) for name in ("Pat", "Rae", "Cy"))
    for one, other in ((pat, rae), (pat, cy), (rae, cy)):
        connect(one, other)
    close = TagFactory(owner=pat, name="close")
    for person in (rae, cy):
        TagMembershipFactory(tag=close, target=person)
    post = committed(
        lambda: services.post_create(
            author=pat, body="SECRET-POST", audience="tags", audience_tags=[close]
        )
    )
    comment_on(committed, rae, post, "Rae was here")
    comment = comment_on(committed, cy, post, "SECRET-COMMENT by Cy")
    recipient = pat if kind == KIND.COMMENT_ON_YOUR_POST else rae
    return {
        "author": pat,
        "recipient": recipient,
        "actor": cy,
        "post": post,
        "comment": comment,
        "tag": close,
    }


def _narrow(world):
    other = TagFactory(owner=world["author"], name="only cy")
    TagMembershipFactory(tag=other, target=world["actor"])
    services.post_update(user=world["author"], post_id=world["post"].pk, audience_tags=[other])


WAYS_FOR_COMMENTS = {
    "comment deleted": lambda w: services.comment_delete(
        user=w["actor"], comment_id=w["comment"].pk
    ),
    "post deleted": lambda w: services.post_delete(user=w["author"], post_id=w["post"].pk),
    "narrowed to another tag": _narrow,
    "tag membership removed": lambda w: graph.tag_member_remove(
        owner=w["author"], tag_id=w["tag"].pk, username=w["recipient"].username
    ),
    "connection removed": lambda w: graph.connection_remove(
        user=w["recipient"], username=w["actor"].username
    ),
    "recipient blocks": lambda w: graph.block_create(
        user=w["recipient"], username=w["actor"].username
    ),
    "recipient is blocked": lambda w: graph.block_create(
        user=w["actor"], username=w["recipient"].username
    ),
}
# The post's author always sees their own post: narrowing it hides nothing from them.
AUTHOR_KEEPS = {"narrowed to another tag", "tag membership removed"}
COMMENT_CASES = [
    pytest.param(kind, way, id=f"{kind}-{way}")
    for kind in (KIND.COMMENT_ON_YOUR_POST, KIND.COMMENT_AFTER_YOU)
    for way in WAYS_FOR_COMMENTS
    if not (kind == KIND.COMMENT_ON_YOUR_POST and way in AUTHOR_KEEPS)
]


def _assert_shown(recipient, kind):
    assert [item["kind"] for item in api_list(recipient)["results"]] == [kind]
    assert api_list(recipient)["unread_count"] == 1 and nav_count(recipient) == 1


def _assert_gone(recipient, notification):
    data = api_list(recipient)
    assert data["results"] == [] and data["unread_count"] == 0
    assert nav_count(recipient) == 0
    html = page_html(recipient)
    assert f"/notifications/{notification.pk}/" not in html and "Nothing yet." in html
    assert Client().get(f"/notifications/{notification.pk}/").status_code == 302  # login
    client = Client()
    client.force_login(recipient)
    assert client.get(f"/notifications/{notification.pk}/").status_code == 404


@pytest.mark.parametrize(("kind", "way"), COMMENT_CASES)
def test_a_comment_notification_disappears_with_access(committed, no_instant_send, kind, way):
    world = _comment_world(committed, kind)
    recipient = world["recipient"]
    services.notification_choices_update(user=recipient, choices={kind: "instant"})
    # Rae's own comment-after-you group exists only for Rae; clear it for the author's case.
    Notification.objects.filter(recipient=recipient).exclude(kind=kind).delete()
    notification = Notification.objects.get(recipient=recipient, kind=kind)
    NotificationActor.objects.filter(notification=notification).exclude(
        actor=world["actor"]
    ).delete()
    _assert_shown(recipient, kind)
    committed(lambda: WAYS_FOR_COMMENTS[way](world))
    _assert_gone(recipient, notification)
    # Its instant email was still waiting: nothing hidden is sent or quoted.
    services.notification_email_deliver(recipient_id=recipient.pk)
    assert all("SECRET" not in message.body for message in mail.outbox)
    assert mail.outbox == []


def _request_world(committed, kind):
    ana, bo = UserFactory(display_name="Ana"), UserFactory(display_name="Bo")
    if kind == KIND.CONNECTION_REQUEST:
        committed(lambda: graph.connection_request(user=ana, username=bo.username))
        return {"recipient": bo, "actor": ana}
    if kind == KIND.CONNECTION_ACCEPTED:
        request = connect(bo, ana, status=Connection.Status.PENDING)
        committed(lambda: graph.connection_accept(user=ana, connection_id=request.pk))
        return {"recipient": bo, "actor": ana}
    invitation = Invitation.objects.create(inviter=bo)
    committed(lambda: graph.invitation_accept(user=ana, token=invitation.token))
    return {"recipient": bo, "actor": ana}


def _end_it(world, kind):
    recipient, actor = world["recipient"], world["actor"]
    if kind == KIND.CONNECTION_REQUEST:
        request = Connection.objects.between(recipient, actor).get()
        graph.connection_decline(user=recipient, connection_id=request.pk)
    else:
        graph.connection_remove(user=recipient, username=actor.username)


WAYS_FOR_REQUESTS = {
    "request declined or connection removed": _end_it,
    "recipient blocks": lambda w, kind: graph.block_create(
        user=w["recipient"], username=w["actor"].username
    ),
    "recipient is blocked": lambda w, kind: graph.block_create(
        user=w["actor"], username=w["recipient"].username
    ),
}


@pytest.mark.parametrize("way", WAYS_FOR_REQUESTS)
@pytest.mark.parametrize(
    "kind", [KIND.CONNECTION_REQUEST, KIND.CONNECTION_ACCEPTED, KIND.INVITATION_ACCEPTED]
)
def test_a_connection_notification_disappears_with_access(committed, no_instant_send, kind, way):
    world = _request_world(committed, kind)
    recipient = world["recipient"]
    notification = Notification.objects.get(recipient=recipient, kind=kind)
    _assert_shown(recipient, kind)
    committed(lambda: WAYS_FOR_REQUESTS[way](world, kind))
    _assert_gone(recipient, notification)
    services.notification_email_deliver(recipient_id=recipient.pk)
    assert mail.outbox == []


def test_a_blocked_person_never_notifies(committed):
    author, ana = UserFactory(), UserFactory()
    graph.block_create(user=author, username=ana.username)
    with pytest.raises(Exception):  # noqa: B017 - the request itself is refused
        committed(lambda: graph.connection_request(user=ana, username=author.username))
    assert (
        services.notification_record(
            recipient_id=author.pk, kind=KIND.CONNECTION_REQUEST, actor_id=ana.pk
        )
        is None
    )
    assert not Notification.objects.exists()


def test_a_muted_person_s_comments_do_not_notify(committed):
    author, ana, bo = UserFactory(), UserFactory(), UserFactory()
    connect(author, ana)
    connect(author, bo)
    post = PostFactory(author=author)
    comment_on(committed, ana, post)
    graph.mute_create(user=author, username=ana.username)
    # Muted after the fact: the existing notification is hidden too.
    assert api_list(author)["results"] == [] and nav_count(author) == 0
    comment_on(committed, ana, post)
    assert not NotificationActor.objects.filter(actor=ana, comment__isnull=False).exclude(
        pk=NotificationActor.objects.filter(actor=ana).order_by("pk").values("pk")[:1]
    )
    comment_on(committed, bo, post)
    (item,) = api_list(author)["results"]
    assert [actor["username"] for actor in item["actors"]] == [bo.username]
    graph.mute_remove(user=author, username=ana.username)
    assert api_list(author)["results"][0]["actor_count"] == 2


# --- Email (acceptance 3) ------------------------------------------------------------------------


def _instant_comment_world(committed, count=1):
    author = UserFactory(display_name="Pat")
    services.notification_choices_update(
        user=author, choices={KIND.COMMENT_ON_YOUR_POST: "instant"}
    )
    friends = [UserFactory(display_name=f"Friend {n}") for n in range(count)]
    for friend in friends:
        connect(author, friend)
    return author, friends


def test_instant_notifications_within_the_window_go_out_as_one_email_once(
    committed, no_instant_send
):
    author, friends = _instant_comment_world(committed, 2)
    posts = [PostFactory(author=author) for _ in range(2)]
    comment_on(committed, friends[0], posts[0], "Lovely light")
    comment_on(committed, friends[1], posts[0], "Where is this?")
    comment_on(committed, friends[0], posts[1], "Congratulations")
    assert no_instant_send == [author.pk] * 3  # each queues the batch's send (after 10 min)
    before = NOTIFICATIONS_EMAILED.labels(kind=KIND.COMMENT_ON_YOUR_POST)._value.get()
    assert services.notification_email_deliver(recipient_id=author.pk) == services.EMAIL_SENT
    (message,) = mail.outbox
    assert message.to == [author.email] and message.subject == "2 new notifications on Intentional"
    assert "Friend 1 and Friend 0 commented on your post" in message.body
    assert "“Congratulations”" in message.body and "“Where is this?”" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/notifications/unsubscribe/" in message.extra_headers["List-Unsubscribe"]
    html = message.alternatives[0][0]
    assert "Where is this?" in html
    after = NOTIFICATIONS_EMAILED.labels(kind=KIND.COMMENT_ON_YOUR_POST)._value.get()
    assert after == before + 3
    # Retried, re-run: nothing more.
    assert services.notification_email_deliver(recipient_id=author.pk) == services.EMAIL_NOTHING
    assert len(mail.outbox) == 1
    sent = NotificationActor.objects.filter(recipient=author).values_list("email", flat=True)
    assert set(sent) == {"sent"}


def test_the_task_sends_after_the_commit(committed, settings):
    settings.NOTIFICATION_EMAIL_BATCH_SECONDS = 0
    ana, bo = UserFactory(display_name="Ana"), UserFactory()
    committed(lambda: graph.connection_request(user=ana, username=bo.username))
    (message,) = mail.outbox  # instant by default (SPEC §8), Celery eager in tests
    assert message.to == [bo.email] and message.subject == "Ana asked to connect with you"
    assert "/people/" in message.body


def test_a_failed_send_puts_the_rows_back_for_the_retry(committed, no_instant_send, monkeypatch):
    author, friends = _instant_comment_world(committed)
    comment_on(committed, friends[0], PostFactory(author=author), "Hello")

    def broken(self, *args, **kwargs):
        raise OSError("mail server down")

    with monkeypatch.context() as patch:
        patch.setattr("django.core.mail.EmailMessage.send", broken)
        with pytest.raises(OSError):
            services.notification_email_deliver(recipient_id=author.pk)
    assert list(NotificationActor.objects.values_list("email", flat=True)) == ["pending"]
    assert services.notification_email_deliver(recipient_id=author.pk) == services.EMAIL_SENT
    assert len(mail.outbox) == 1


def test_an_edit_after_the_event_is_quoted_as_it_is_when_sending(committed, no_instant_send):
    author, friends = _instant_comment_world(committed)
    post = PostFactory(author=author)
    comment_on(committed, friends[0], post, "First version")
    # Another comment by the same friend, then the first one deleted: only what is there now.
    second = comment_on(committed, friends[0], post, "Still here")
    first = NotificationActor.objects.exclude(comment=second).get().comment
    services.comment_delete(user=friends[0], comment_id=first.pk)
    services.notification_email_deliver(recipient_id=author.pk)
    (message,) = mail.outbox
    assert "Still here" in message.body and "First version" not in message.body


def test_off_and_weekly_send_no_instant_email(committed):
    author, friends = _instant_comment_world(committed)
    services.notification_choices_update(user=author, choices={KIND.COMMENT_ON_YOUR_POST: "off"})
    comment_on(committed, friends[0], PostFactory(author=author))
    services.notification_choices_update(user=author, choices={KIND.COMMENT_ON_YOUR_POST: "weekly"})
    comment_on(committed, friends[0], PostFactory(author=author))
    assert mail.outbox == []
    assert services.notification_email_deliver(recipient_id=author.pk) == services.EMAIL_NOTHING
    # Still in the app.
    assert len(api_list(author)["results"]) == 2


def test_a_choice_changed_before_sending_is_honoured(committed, no_instant_send):
    author, friends = _instant_comment_world(committed)
    comment_on(committed, friends[0], PostFactory(author=author))
    services.notification_choices_update(user=author, choices={KIND.COMMENT_ON_YOUR_POST: "off"})
    assert services.notification_email_deliver(recipient_id=author.pk) == services.EMAIL_NOTHING
    assert mail.outbox == []
    assert list(NotificationActor.objects.values_list("email", flat=True)) == ["skipped"]


def test_unsubscribe_works_without_login_and_turns_instant_emails_off(committed, no_instant_send):
    author, friends = _instant_comment_world(committed)
    comment_on(committed, friends[0], PostFactory(author=author))
    services.notification_email_deliver(recipient_id=author.pk)
    url = mail.outbox[0].extra_headers["List-Unsubscribe"].strip("<>")
    path = url.removeprefix("http://testserver").split("://", 1)[-1]
    path = path[path.index("/notifications/") :]
    anonymous = Client()
    assert anonymous.get(path).status_code == 200
    assert anonymous.post(path).status_code == 200  # RFC 8058 one-click: no session, no CSRF
    author.refresh_from_db()
    assert "instant" not in author.email_choices().values()
    assert anonymous.post(path.replace("/unsubscribe/", "/unsubscribe/x")).status_code == 400
    # The digest's token does not work here.
    from digest.tokens import unsubscribe_token

    assert (
        anonymous.post(f"/notifications/unsubscribe/{unsubscribe_token(author)}/").status_code
        == 400
    )


# --- Choices: settings page and API --------------------------------------------------------------


def test_choices_default_as_the_spec_says_and_change_on_settings_and_api():
    user = UserFactory()
    client = api_for(user)
    assert client.get("/api/v1/me/notification-settings/").json() == {
        "connection_request": "instant",
        "connection_accepted": "instant",
        "invitation_accepted": "instant",
        "comment_on_your_post": "weekly",
        "comment_after_you": "weekly",
    }
    response = client.patch(
        "/api/v1/me/notification-settings/", {"comment_after_you": "off"}, format="json"
    )
    assert response.status_code == 200 and response.json()["comment_after_you"] == "off"
    bad = client.patch(
        "/api/v1/me/notification-settings/", {"comment_after_you": "hourly"}, format="json"
    )
    assert bad.status_code == 400
    page = Client()
    page.force_login(user)
    html = page.get("/settings/").content.decode()
    assert 'name="connection_request"' in html and "Notification emails" in html
    choices = dict.fromkeys(KIND.values, "off")
    assert page.post("/settings/notifications/", choices).status_code == 302
    user.refresh_from_db()
    assert set(user.email_choices().values()) == {"off"}
    assert page.post("/settings/notifications/", {"connection_request": "x"}).status_code == 400


# --- Query counts (acceptance 5) -----------------------------------------------------------------


def _many(committed, count):
    author = UserFactory()
    friends = [UserFactory() for _ in range(2)]
    for friend in friends:
        connect(author, friend)
    for _ in range(count):
        post = PostFactory(author=author)
        for friend in friends:
            comment_on(committed, friend, post)
    committed(lambda: graph.connection_request(user=UserFactory(), username=author.username))
    return author


@pytest.mark.parametrize("count", [2, 40])
def test_the_page_runs_a_constant_number_of_queries(
    committed, no_instant_send, django_assert_num_queries, count, settings
):
    settings.NOTIFICATIONS_PAGE_SIZE = 50
    author = _many(committed, count)
    client = Client()
    client.force_login(author)
    # 1 session, 2 user, 3 the notifications (visible_to), 4 their visible actor rows with
    # the people and comments, 5 the unread count (navigation and "Mark all read").
    with django_assert_num_queries(5):
        response = client.get("/notifications/")
    assert response.content.decode().count('class="notification unread"') == count + 1


@pytest.mark.parametrize("count", [2, 40])
def test_the_api_list_runs_a_constant_number_of_queries(
    committed, no_instant_send, django_assert_num_queries, count
):
    author = _many(committed, count)
    client = api_for(author)
    # 1 the user (JWT), 2 the notifications, 3 their visible actor rows, 4 the unread count.
    with django_assert_num_queries(4):
        response = client.get("/api/v1/notifications/")
    assert len(response.json()["results"]) == min(count + 1, 30)
    assert response.json()["unread_count"] == count + 1


def test_the_api_pages_with_a_cursor(committed, no_instant_send, settings):
    settings.NOTIFICATIONS_PAGE_SIZE = 2
    author = _many(committed, 2)
    client = api_for(author)
    first = client.get("/api/v1/notifications/").json()
    second = client.get(first["next"]).json()
    assert len(first["results"]) == 2 and len(second["results"]) == 1
    assert second["next"] is None
    assert {item["id"] for item in first["results"]}.isdisjoint(
        {item["id"] for item in second["results"]}
    )
    assert client.get("/api/v1/notifications/?cursor=bad").status_code == 400


# --- Admin, export, deletion ---------------------------------------------------------------------


def test_admin_shows_notifications_read_only(committed, client):
    ana, bo = UserFactory(), UserFactory()
    committed(lambda: graph.connection_request(user=ana, username=bo.username))
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    notification = Notification.objects.get()
    assert client.get("/admin/social/notification/").status_code == 200
    detail = client.get(f"/admin/social/notification/{notification.pk}/change/")
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()
    assert client.get("/admin/social/notification/add/").status_code == 403
    assert client.get("/admin/connections/mute/").status_code == 200


def test_deleting_an_account_takes_its_notifications_mutes_and_its_part_in_others(committed):
    author, ana = UserFactory(), UserFactory()
    connect(author, ana)
    comment_on(committed, ana, PostFactory(author=author))
    graph.mute_create(user=ana, username=author.username)
    committed(lambda: graph.connection_request(user=UserFactory(), username=ana.username))
    services.user_delete(user=ana)
    assert not NotificationActor.objects.filter(actor_id=ana.pk).exists()
    assert not Notification.objects.filter(recipient_id=ana.pk).exists()
    assert api_list(author)["results"] == []
    from connections.models import Mute

    assert not Mute.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions")
@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_send_each_notification_once(monkeypatch):
    monkeypatch.setattr(services, "_queue_notification_email", lambda recipient_id: None)
    author = UserFactory(display_name="Pat")
    services.notification_choices_update(
        user=author, choices={KIND.COMMENT_ON_YOUR_POST: "instant"}
    )
    friends = [UserFactory() for _ in range(3)]
    for friend in friends:
        connect(author, friend)
        comment = services.comment_create(
            author=friend, post_id=PostFactory(author=author).pk, body="Hi"
        )
        services.comment_notify(comment_id=comment.pk)
    workers = 4
    barrier = threading.Barrier(workers)
    outcomes, errors = [], []

    def worker():
        try:
            barrier.wait(timeout=10)
            outcomes.append(services.notification_email_deliver(recipient_id=author.pk))
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    sent = [message for message in mail.outbox if message.to == [author.email]]
    # However the claims fell between the workers, each notification went out exactly once.
    bodies = "".join(message.body for message in sent)
    assert bodies.count("commented on your post") == 3
    assert outcomes.count(services.EMAIL_SENT) == len(sent) >= 1
    rows = NotificationActor.objects.filter(recipient=author)
    assert set(rows.values_list("email", flat=True)) == {"sent"}


def test_the_openapi_schema_documents_notifications_and_mutes(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    for path, methods in {
        "/api/v1/notifications/": {"get"},
        "/api/v1/notifications/read/": {"post"},
        "/api/v1/me/notification-settings/": {"get", "patch"},
        "/api/v1/mutes/": {"get", "post"},
        "/api/v1/mutes/{username}/": {"delete"},
    }.items():
        assert methods <= set(paths[path]), path
    notification = schema["components"]["schemas"]["Notification"]["properties"]
    assert set(notification) == {
        "id",
        "kind",
        "actors",
        "actor_count",
        "post",
        "comment",
        "request",
        "created_at",
        "read",
    }
    page = schema["components"]["schemas"]["NotificationPage"]["properties"]
    assert set(page) == {"results", "next", "unread_count"}


def test_huge_ids_are_not_found_not_a_500():
    user = UserFactory()
    client = Client()
    client.force_login(user)
    assert client.get("/notifications/999999999999999999999999999999/").status_code == 404
    huge = api_for(user).post("/api/v1/notifications/read/", {"ids": [10**30]}, format="json")
    assert huge.status_code == 400 and "ids" in huge.json()["error"]["fields"]


def test_nothing_is_told_about_what_is_gone_before_it_is_recorded():
    author, ana = UserFactory(), UserFactory()
    connect(author, ana)
    comment = services.comment_create(author=ana, post_id=PostFactory(author=author).pk, body="x")
    comment_id = comment.pk
    services.comment_delete(user=ana, comment_id=comment_id)
    assert services.comment_notify(comment_id=comment_id) == 0
    request = connect(ana, UserFactory(), status=Connection.Status.PENDING)
    request_id, recipient_id = request.pk, request.other_id(ana)
    request.delete()
    recorded = services.notification_record(
        recipient_id=recipient_id,
        kind=KIND.CONNECTION_REQUEST,
        actor_id=ana.pk,
        connection_id=request_id,
    )
    assert recorded is None and not Notification.objects.exists()
