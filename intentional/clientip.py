"""The client's real address, behind a configured number of trusted reverse proxies."""

from django.conf import settings


def client_ip(request) -> str:
    """The address the request came from, as rate limits and logs must see it.

    Each trusted proxy appends the address it received the request from to X-Forwarded-For,
    so the client is the entry `TRUSTED_PROXY_COUNT` places from the right. Anything further
    left was written by the client and is ignored: a forged header cannot move the result.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXY_COUNT
    if not hops:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < hops:
        # Fewer entries than proxies: the request skipped a proxy; trust only the socket.
        return remote
    return forwarded[-hops]
