"""API endpoints of the digest app (mounted under /api/v1/)."""

from django.urls import path

from digest.api.views import DigestView

urlpatterns = [
    path("digest/", DigestView.as_view(), name="api-digest-latest"),
    path("digest/<str:week>/", DigestView.as_view(), name="api-digest-week"),
]
