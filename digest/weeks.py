"""ISO weeks ("2026-W05") and their bounds in a person's timezone (SPEC §5).

A week runs from Monday 00:00 local time to the next Monday 00:00 local time. Each boundary is
computed with zoneinfo on its own, so a week with a DST change lasts 167 or 169 hours.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

WEEK_RE = re.compile(r"^(?P<year>\d{4})-W(?P<week>\d{2})$")
# Before this there is nothing to show, and zoneinfo arithmetic near year 1 overflows.
MIN_YEAR = 2000


class WeekError(ValueError):
    """A week string that is not a valid ISO week ("YYYY-Www")."""


@dataclass(frozen=True, order=True)
class Week:
    """An ISO week: year and week number (1-53)."""

    year: int
    number: int

    def __str__(self) -> str:
        return f"{self.year:04d}-W{self.number:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.number, 1)

    @property
    def sunday(self) -> date:
        return date.fromisocalendar(self.year, self.number, 7)

    def shifted(self, weeks: int) -> "Week":
        """The week `weeks` weeks later (negative: earlier)."""
        return week_of_date(self.monday + timedelta(weeks=weeks))

    def bounds(self, tz: str | ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end) as aware datetimes: local Monday 00:00 to the next local Monday 00:00."""
        zone = _zone(tz)
        start = datetime.combine(self.monday, time.min, tzinfo=zone)
        end = datetime.combine(self.monday + timedelta(days=7), time.min, tzinfo=zone)
        return start, end

    def label(self) -> str:
        """A human label in the active language: "2 – 8 Feb 2026" or "29 Dec 2025 – 4 Jan 2026"
        in English. Each language gives the Django date formats (the `date` filter's) of the
        first and last day."""
        first, last = self.monday, self.sunday
        if first.year != last.year:
            # Translators: Django date format (that of the "date" template filter) of the first
            # day of a week across two years: "29 Dec 2025" in "29 Dec 2025 – 4 Jan 2026".
            first_format = pgettext("week across years, first day", "j M Y")
            # Translators: the last day of a week across two years: "4 Jan 2026".
            last_format = pgettext("week across years, last day", "j M Y")
        elif first.month != last.month:
            # Translators: Django date format of the first day of a week across two months:
            # "26 Jan" in "26 Jan – 1 Feb 2026".
            first_format = pgettext("week across months, first day", "j M")
            # Translators: the last day of a week across two months: "1 Feb 2026".
            last_format = pgettext("week across months, last day", "j M Y")
        else:
            # Translators: Django date format of the first day of a week within one month: "2"
            # in "2 – 8 Feb 2026".
            first_format = pgettext("week within a month, first day", "j")
            # Translators: the last day of a week within one month: "8 Feb 2026".
            last_format = pgettext("week within a month, last day", "j M Y")
        # Translators: a week's first and last day, each written with the formats above.
        return pgettext("week", "%(first)s – %(last)s") % {
            "first": formats.date_format(first, first_format),
            "last": formats.date_format(last, last_format),
        }


def _zone(tz: str | ZoneInfo) -> ZoneInfo:
    return tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)


def week_parse(value: str) -> Week:
    """ "2026-W05" → Week(2026, 5); WeekError for anything else (2026-W54, 2026-W5, ...)."""
    match = WEEK_RE.match(value or "")
    if not match:
        raise WeekError(
            _("“%(value)s” is not a week; use the ISO form YYYY-Www, e.g. 2026-W05.")
            % {"value": value}
        )
    year, number = int(match["year"]), int(match["week"])
    if year < MIN_YEAR:
        raise WeekError(_("Weeks before %(year)s are not available.") % {"year": MIN_YEAR})
    try:
        date.fromisocalendar(year, number, 1)
    except ValueError:
        raise WeekError(
            _("%(year)s has no week %(number)s.") % {"year": year, "number": number}
        ) from None
    return Week(year, number)


def week_of_date(day: date) -> Week:
    """The ISO week a calendar date belongs to."""
    iso = day.isocalendar()
    return Week(iso.year, iso.week)


def week_of(moment: datetime, tz: str | ZoneInfo) -> Week:
    """The week an instant falls in, in timezone `tz`."""
    return week_of_date(moment.astimezone(_zone(tz)).date())


def week_current(tz: str | ZoneInfo, *, now: datetime | None = None) -> Week:
    """The week in progress in `tz`."""
    return week_of(now or timezone.now(), tz)


def week_last_completed(tz: str | ZoneInfo, *, now: datetime | None = None) -> Week:
    """The week before the current one in `tz`."""
    return week_current(tz, now=now).shifted(-1)
