"""API of the digest app."""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from digest.api.serializers import DigestSerializer
from digest.services import FutureWeek, digest_show
from digest.weeks import WeekError, week_parse
from intentional.metrics import DIGEST_REQUESTS


class DigestView(APIView):
    """The last completed week's digest, or a given week's (the current week is a preview)."""

    @extend_schema(
        responses=DigestSerializer,
        parameters=[
            OpenApiParameter(
                "week",
                str,
                OpenApiParameter.PATH,
                required=False,
                description="ISO week YYYY-Www; a bad one is a 400, a future one a 404.",
            )
        ],
    )
    def get(self, request, week: str | None = None):
        DIGEST_REQUESTS.inc()
        parsed = None
        if week is not None:
            try:
                parsed = week_parse(week)
            except WeekError as error:
                raise ValidationError({"week": [str(error)]}) from None
        try:
            page = digest_show(viewer=request.user, week=parsed)
        except FutureWeek:
            raise Http404 from None
        data = DigestSerializer(page, context={"request": request}).data
        return Response(data)
