"""API of the digest app."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from digest.api.serializers import DigestSerializer
from digest.services import WeekBeforeFirst, digest_show
from digest.weeks import WeekError, week_parse
from intentional.metrics import DIGEST_REQUESTS


def _digest_response(request, week: str | None) -> Response:
    DIGEST_REQUESTS.inc()
    parsed = None
    if week is not None:
        try:
            parsed = week_parse(week)
        except WeekError as error:
            raise ValidationError({"week": [str(error)]}) from None
    try:
        page = digest_show(viewer=request.user, week=parsed)
    except WeekBeforeFirst as error:
        raise NotFound(str(error)) from None
    # The same context as the feed API: PostSerializer reads the viewer from the request.
    return Response(DigestSerializer(page, context={"request": request}).data)


class DigestLatestView(APIView):
    """The last completed week's digest."""

    @extend_schema(operation_id="digest_latest_retrieve", responses=DigestSerializer)
    def get(self, request):
        return _digest_response(request, None)


class DigestWeekView(APIView):
    """A given week's digest (the current week is a preview so far)."""

    @extend_schema(
        operation_id="digest_week_retrieve",
        responses=DigestSerializer,
        parameters=[
            OpenApiParameter(
                "week",
                str,
                OpenApiParameter.PATH,
                description=(
                    "ISO week YYYY-Www; a bad one is a 400; a future one, or one before the "
                    "person's first week (the week they joined, or an earlier one with a post "
                    "of someone else they can see or a stored digest of theirs), a 404."
                ),
            )
        ],
    )
    def get(self, request, week: str):
        return _digest_response(request, week)
