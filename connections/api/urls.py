"""API endpoints of the connections app (mounted under /api/v1/)."""

urlpatterns: list = []
