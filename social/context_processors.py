"""Template context of every page: the navigation's unread notification count (SPEC §8)."""

from social.selectors import notifications_unread_count


def notifications(request):
    """`notifications_unread`: a callable, so the count (one query) is asked only by a page
    that shows the navigation to someone signed in, and at most once per request."""

    def unread() -> int:
        if not hasattr(request, "_notifications_unread"):
            request._notifications_unread = notifications_unread_count(viewer=request.user)
        return request._notifications_unread

    return {"notifications_unread": unread}
