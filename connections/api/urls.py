"""API endpoints of the connections app (mounted under /api/v1/)."""

from django.urls import path

from connections.api import views

urlpatterns = [
    path("connections/", views.ConnectionListView.as_view(), name="api-connections"),
    # Before connections/<username>/: "requests" is a path here, not a person.
    path(
        "connections/requests/",
        views.ConnectionRequestListView.as_view(),
        name="api-connection-requests",
    ),
    path(
        "connections/requests/<int:pk>/",
        views.ConnectionRequestDetailView.as_view(),
        name="api-connection-request",
    ),
    path(
        "connections/requests/<int:pk>/accept/",
        views.ConnectionRequestAcceptView.as_view(),
        name="api-connection-request-accept",
    ),
    path(
        "connections/requests/<int:pk>/decline/",
        views.ConnectionRequestDeclineView.as_view(),
        name="api-connection-request-decline",
    ),
    path(
        "connections/<str:username>/",
        views.ConnectionDetailView.as_view(),
        name="api-connection",
    ),
    path("blocks/", views.BlockListView.as_view(), name="api-blocks"),
    path("blocks/<str:username>/", views.BlockDetailView.as_view(), name="api-block"),
    path("mutes/", views.MuteListView.as_view(), name="api-mutes"),
    path("mutes/<str:username>/", views.MuteDetailView.as_view(), name="api-mute"),
    path("invitations/", views.InvitationListView.as_view(), name="api-invitations"),
    path("tags/", views.TagListView.as_view(), name="api-tags"),
    path("tags/<int:pk>/", views.TagDetailView.as_view(), name="api-tag"),
    path(
        "tags/<int:pk>/members/<str:username>/",
        views.TagMemberView.as_view(),
        name="api-tag-member",
    ),
]
