"""Rate limits of SPEC §7 on pages and API alike, answered with 429 and Retry-After.

Views call `ratelimit_enforce` with the limit's name (a key of `settings.RATELIMITS`) and what
to count by; `RateLimited` becomes a 429 page or a 429 JSON error (intentional.errors).
"""

from django.conf import settings
from django_ratelimit.core import get_usage

from intentional.clientip import client_ip


class RateLimited(Exception):
    """Raised when a limit is exceeded; `retry_after` is in seconds."""

    def __init__(self, retry_after: int):
        super().__init__(f"Rate limited; retry after {retry_after} s")
        self.retry_after = retry_after


def ratelimit_hit(request, *, name: str, scope: str, value: str) -> None:
    """Count one hit of limit `name` for `value` (an address, user or account id, login); raise
    past it."""
    usage = get_usage(
        request,
        group=f"{name}:{scope}",
        key=lambda group, req: value,
        rate=settings.RATELIMITS[name],
        increment=True,
    )
    if usage is not None and usage["should_limit"]:
        raise RateLimited(retry_after=max(1, usage["time_left"]))


def ratelimit_enforce(
    request, *, name: str, by_ip: bool = False, account=None, login: str = ""
) -> None:
    """Apply limit `name` per signed-in user, or per client address and/or account.

    `account` (a user) counts by its id, so every name it can be typed by (username, email
    addresses, in any case) shares one counter. `login`, typed for an attempt that names no
    account, counts by the typed text instead, so an unknown login is limited exactly like a
    known one. With none of `by_ip`, `account` and `login`, the limit counts per signed-in user.
    """
    if by_ip:
        ratelimit_hit(request, name=name, scope="ip", value=client_ip(request))
    if account is not None:
        ratelimit_hit(request, name=name, scope="account", value=f"id:{account.pk}")
    elif login.strip():
        ratelimit_hit(request, name=name, scope="account", value=f"login:{login.strip().lower()}")
    if not by_ip and account is None and not login.strip():
        ratelimit_hit(request, name=name, scope="user", value=str(request.user.pk))
