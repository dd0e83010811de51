"""The selection of SPEC §5, rule by rule (table-driven), as the recipient, in their timezone."""

from datetime import timedelta

import pytest

from connections.tests.factories import BlockFactory, TagFactory, TagMembershipFactory, connect
from digest.selectors import digest_select
from digest.services import digest_build
from digest.tests.helpers import at, make_circle, post_at
from digest.weeks import Week

pytestmark = pytest.mark.django_db

W6 = Week(2026, 6)  # Monday 2 to Sunday 8 February 2026


def _select(circle, week=W6):
    return digest_select(recipient=circle.me, week=week)


def _run(rows, tz="UTC"):
    """Create `rows` of (author, local time, importance, milestone?) and select as `me`.

    Returns the selected posts as (author, local time, importance) in selection order.
    """
    circle = make_circle(tz)
    for author, when, importance, *rest in rows:
        post_at(getattr(circle, author), at(when, tz), importance, is_milestone=bool(rest))
    return [
        (
            post.author.username,
            post.created_at.astimezone(at(rows[0][1], tz).tzinfo).strftime("%Y-%m-%d %H:%M"),
            post.importance,
        )
        for post in _select(circle)
    ]


# (rows created, rows expected) — rows are (author, local time, importance[, milestone]).
QUALITY_FLOOR = [
    ([("alice", "2026-02-03 10:00", 1.0)], []),
    ([("alice", "2026-02-03 10:00", 1.49)], []),
    ([("alice", "2026-02-03 10:00", 1.5)], [("alice", "2026-02-03 10:00", 1.5)]),
    (
        [("alice", "2026-02-03 10:00", 1.2), ("bob", "2026-02-03 11:00", 2.0)],
        [("bob", "2026-02-03 11:00", 2.0)],
    ),
]

EVENT_RULE = [
    # No event: low-priority posts stay.
    (
        [("alice", "2026-02-03 10:00", 2.0), ("bob", "2026-02-04 10:00", 6.99)],
        [("alice", "2026-02-03 10:00", 2.0), ("bob", "2026-02-04 10:00", 6.99)],
    ),
    # An event (≥ 7.0): posts under 3.0 go, 3.0 itself stays.
    (
        [
            ("alice", "2026-02-03 10:00", 2.99),
            ("alice", "2026-02-05 10:00", 3.0),
            ("bob", "2026-02-04 10:00", 7.0, "milestone"),
        ],
        [("bob", "2026-02-04 10:00", 7.0), ("alice", "2026-02-05 10:00", 3.0)],
    ),
    # The event itself survives; every other post is low priority.
    (
        [("alice", "2026-02-03 10:00", 2.5), ("bob", "2026-02-08 23:59", 9.0, "milestone")],
        [("bob", "2026-02-08 23:59", 9.0)],
    ),
]

PER_PERSON_PER_DAY = [
    # Three by alice on one day: the two most important stay.
    (
        [
            ("alice", "2026-02-03 08:00", 2.0),
            ("alice", "2026-02-03 12:00", 4.0),
            ("alice", "2026-02-03 20:00", 3.0),
        ],
        [("alice", "2026-02-03 12:00", 4.0), ("alice", "2026-02-03 20:00", 3.0)],
    ),
    # Equal importance: the earliest two.
    (
        [
            ("alice", "2026-02-03 20:00", 2.0),
            ("alice", "2026-02-03 08:00", 2.0),
            ("alice", "2026-02-03 12:00", 2.0),
        ],
        [("alice", "2026-02-03 08:00", 2.0), ("alice", "2026-02-03 12:00", 2.0)],
    ),
    # The cap is per person: bob's posts on the same day do not count against alice's.
    (
        [
            ("alice", "2026-02-03 08:00", 2.0),
            ("alice", "2026-02-03 09:00", 2.0),
            ("bob", "2026-02-03 10:00", 2.0),
            ("bob", "2026-02-03 11:00", 2.0),
        ],
        [
            ("alice", "2026-02-03 08:00", 2.0),
            ("alice", "2026-02-03 09:00", 2.0),
            ("bob", "2026-02-03 10:00", 2.0),
            ("bob", "2026-02-03 11:00", 2.0),
        ],
    ),
    # ... and per day: just before and after local midnight are two days.
    (
        [
            ("alice", "2026-02-03 22:00", 2.0),
            ("alice", "2026-02-03 23:59", 2.0),
            ("alice", "2026-02-04 00:01", 2.0),
        ],
        [
            ("alice", "2026-02-03 22:00", 2.0),
            ("alice", "2026-02-03 23:59", 2.0),
            ("alice", "2026-02-04 00:01", 2.0),
        ],
    ),
    # The floor applies before the cap: a dropped post takes no place.
    (
        [
            ("alice", "2026-02-03 08:00", 1.0),
            ("alice", "2026-02-03 09:00", 1.0),
            ("alice", "2026-02-03 10:00", 2.0),
        ],
        [("alice", "2026-02-03 10:00", 2.0)],
    ),
]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        *[pytest.param(*case, id=f"floor-{i}") for i, case in enumerate(QUALITY_FLOOR)],
        *[pytest.param(*case, id=f"event-{i}") for i, case in enumerate(EVENT_RULE)],
        *[pytest.param(*case, id=f"cap-{i}") for i, case in enumerate(PER_PERSON_PER_DAY)],
    ],
)
def test_selection_rules(rows, expected):
    assert _run(rows) == expected


@pytest.mark.parametrize("tz", ["Asia/Tokyo", "America/Los_Angeles"])
def test_the_day_of_the_cap_is_the_recipients_local_day(tz):
    # 22:00, 23:30 and 00:30 local: two calendar days for the recipient, whatever UTC says.
    rows = [
        ("alice", "2026-02-03 22:00", 2.0),
        ("alice", "2026-02-03 23:30", 2.0),
        ("alice", "2026-02-04 00:30", 2.0),
    ]
    assert [row[1] for row in _run(rows, tz)] == [row[1] for row in rows]


def test_the_cap_breaks_full_ties_by_lowest_id():
    circle = make_circle()
    when = at("2026-02-03 10:00", "UTC")
    first, second, third = (post_at(circle.alice, when, 2.0) for _ in range(3))
    assert [post.pk for post in _select(circle)] == [first.pk, second.pk]
    assert third.pk > second.pk


def test_twenty_posts_keep_the_twelve_most_important_in_chronological_order():
    circle = make_circle()
    people = [circle.alice, circle.bob]
    start = at("2026-02-02 09:00", "UTC")
    posts = []
    # 20 qualifying posts, one per author per half-day: importance grows through the week,
    # so the most important ones are the latest ones (never simply the earliest 12).
    for index in range(20):
        when = start + timedelta(hours=7 * index)
        importance = 2.0 + index * 0.2
        posts.append(post_at(people[index % 2], when, importance))
    selected = _select(circle)
    assert len(selected) == 12
    most_important = sorted(posts, key=lambda post: -post.importance)[:12]
    assert {post.pk for post in selected} == {post.pk for post in most_important}
    assert [post.created_at for post in selected] == sorted(post.created_at for post in selected)
    assert selected[0].pk == posts[8].pk


def test_step_four_ties_keep_the_earliest_then_lowest_id(settings):
    settings.DIGEST_MAX_PAGES = 2
    circle = make_circle()
    early = post_at(circle.alice, at("2026-02-03 10:00", "UTC"), 3.0)
    late = post_at(circle.bob, at("2026-02-05 10:00", "UTC"), 3.0)
    same_time = post_at(circle.bob, at("2026-02-03 10:00", "UTC"), 3.0)
    post_at(circle.alice, at("2026-02-06 10:00", "UTC"), 2.0)
    assert [post.pk for post in _select(circle)] == [early.pk, same_time.pk]
    assert late.pk not in [post.pk for post in _select(circle)]


def test_thresholds_are_settings(settings):
    settings.DIGEST_MIN_IMPORTANCE = 3.0
    settings.DIGEST_PER_PERSON_PER_DAY = 1
    rows = [
        ("alice", "2026-02-03 08:00", 2.5),
        ("alice", "2026-02-03 09:00", 3.5),
        ("alice", "2026-02-03 10:00", 4.0),
    ]
    assert _run(rows) == [("alice", "2026-02-03 10:00", 4.0)]


# --- weeks in the recipient's timezone --------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "sunday", "monday", "week"),
    [
        ("America/Los_Angeles", "2026-02-08 23:30", "2026-02-09 00:30", Week(2026, 6)),
        ("Asia/Tokyo", "2026-02-08 23:30", "2026-02-09 00:30", Week(2026, 6)),
        # The week in which Los Angeles springs forward (Sunday 8 March: 167 hours long)...
        ("America/Los_Angeles", "2026-03-08 23:30", "2026-03-09 00:30", Week(2026, 10)),
        # ... and the week it falls back (Sunday 1 November: 169 hours long).
        ("America/Los_Angeles", "2026-11-01 23:30", "2026-11-02 00:30", Week(2026, 44)),
        ("Asia/Tokyo", "2026-03-08 23:30", "2026-03-09 00:30", Week(2026, 10)),
    ],
)
def test_sunday_night_and_monday_morning_land_in_the_right_weeks(tz, sunday, monday, week):
    circle = make_circle(tz)
    late_sunday = post_at(circle.alice, at(sunday, tz), 2.0)
    early_monday = post_at(circle.alice, at(monday, tz), 2.0)
    # Monday 00:00 local, a week earlier: the first minute of the week belongs to it.
    first_minute = post_at(circle.bob, at(sunday, tz).replace(hour=0, minute=0) - timedelta(6), 2.0)
    assert [p.pk for p in _select(circle, week)] == [first_minute.pk, late_sunday.pk]
    assert [p.pk for p in _select(circle, week.shifted(1))] == [early_monday.pk]


def test_the_same_instant_is_in_different_weeks_for_different_people():
    circle = make_circle("America/Los_Angeles")
    tokyo = make_circle_member(circle, "Asia/Tokyo")
    # Monday 9 February 2026 00:30 in Tokyo = Sunday 8 February 07:30 in Los Angeles.
    post = post_at(circle.alice, at("2026-02-09 00:30", "Asia/Tokyo"), 2.0)
    assert [p.pk for p in digest_select(recipient=circle.me, week=W6)] == [post.pk]
    assert digest_select(recipient=tokyo, week=W6) == []
    assert [p.pk for p in digest_select(recipient=tokyo, week=W6.shifted(1))] == [post.pk]


def make_circle_member(circle, tz):
    from social.tests.factories import UserFactory

    member = UserFactory(timezone=tz)
    connect(member, circle.alice)
    return member


# --- as the recipient -------------------------------------------------------------------------


def test_own_posts_and_posts_the_recipient_cannot_see_are_never_selected():
    circle = make_circle()
    when = at("2026-02-04 10:00", "UTC")
    visible = post_at(circle.alice, when, 2.0)
    post_at(circle.me, when, 9.0, is_milestone=True)  # own post: never, and no event either
    post_at(circle.carol, when, 9.0)  # a stranger's
    post_at(circle.alice, when + timedelta(hours=1), 9.0, audience="private")
    tag = TagFactory(owner=circle.bob)
    tagged = post_at(circle.bob, when, 2.0, audience="tags")
    tagged.audience_tags.set([tag])
    hidden_tag = TagFactory(owner=circle.bob)
    hidden = post_at(circle.bob, when + timedelta(hours=2), 8.0, audience="tags")
    hidden.audience_tags.set([hidden_tag])
    TagMembershipFactory(tag=tag, target=circle.me)
    selected = _select(circle)
    # The invisible 8.0 and 9.0 posts do not trigger the event rule either.
    assert [p.pk for p in selected] == [visible.pk, tagged.pk]


def test_a_block_hides_a_connections_posts():
    circle = make_circle()
    post_at(circle.alice, at("2026-02-04 10:00", "UTC"), 5.0)
    kept = post_at(circle.bob, at("2026-02-04 11:00", "UTC"), 2.0)
    BlockFactory(blocker=circle.alice, blocked=circle.me)
    assert [p.pk for p in _select(circle)] == [kept.pk]


def test_a_post_is_never_in_two_of_a_persons_digests():
    # The recipient changes timezone between two builds: a post at the edge of the week
    # would belong to both weeks; it stays in the first one.
    circle = make_circle("UTC")
    edge = post_at(circle.alice, at("2026-02-08 20:00", "UTC"), 2.0)  # Monday 05:00 in Tokyo
    first = digest_build(user=circle.me, week=W6)
    assert [entry.post_id for entry in first.entries.all()] == [edge.pk]
    circle.me.timezone = "Asia/Tokyo"
    circle.me.save(update_fields=["timezone"])
    assert digest_select(recipient=circle.me, week=W6.shifted(1)) == []
    second = digest_build(user=circle.me, week=W6.shifted(1))
    assert second.entries.count() == 0
