"""Pages of the digest app: the weekly digest and the one-click unsubscribe."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from digest.services import WeekBeforeFirst, digest_show, digest_unsubscribe
from digest.tokens import unsubscribe_user
from digest.weeks import WeekError, week_parse
from intentional.metrics import DIGEST_REQUESTS


@login_required
def digest_latest(request):
    """/digest/: the last completed week."""
    return _digest_page(request, week=None)


@login_required
def digest_week(request, week: str):
    """/digest/<YYYY-Www>/: a past week, or the current one as a preview."""
    try:
        parsed = week_parse(week)
    except WeekError as error:
        return render(request, "digest/bad_week.html", {"message": str(error)}, status=400)
    return _digest_page(request, week=parsed)


def _digest_page(request, *, week):
    DIGEST_REQUESTS.inc()
    try:
        page = digest_show(viewer=request.user, week=week)
    except WeekBeforeFirst as error:
        context = {"message": str(error), "first": error.first}
        return render(request, "digest/before_first_week.html", context, status=404)
    return render(request, "digest/digest.html", {"page": page})


# Mail clients POST here without a session or CSRF token (RFC 8058 one-click); the signed
# token is the authorisation, and all it can do is turn the digest email off.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token: str):
    """GET: a confirmation page; POST: turn the weekly digest email off. No login needed."""
    target = unsubscribe_user(token)
    if target is None:
        return render(request, "digest/unsubscribe.html", {"state": "invalid"}, status=400)
    if request.method == "POST":
        digest_unsubscribe(user=target)
        return render(request, "digest/unsubscribe.html", {"state": "done", "target": target})
    return render(request, "digest/unsubscribe.html", {"state": "confirm", "target": target})
