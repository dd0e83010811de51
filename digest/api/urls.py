"""API endpoints of the digest app (mounted under /api/v1/)."""

from django.urls import path

from digest.api.views import DigestLatestView, DigestWeekView

urlpatterns = [
    path("digest/", DigestLatestView.as_view(), name="api-digest-latest"),
    path("digest/<str:week>/", DigestWeekView.as_view(), name="api-digest-week"),
]
