"""API endpoints of the digest app (mounted under /api/v1/)."""

urlpatterns: list = []
