"""API endpoints of the social app (mounted under /api/v1/)."""

from django.urls import path
from rest_framework_simplejwt.views import TokenRefreshView

from social.api import views

urlpatterns = [
    path("auth/register/", views.RegisterView.as_view(), name="api-register"),
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    path("auth/token/refresh/", TokenRefreshView.as_view(), name="api-token-refresh"),
    path("auth/logout/", views.LogoutView.as_view(), name="api-logout"),
    path("me/", views.MeView.as_view(), name="api-me"),
    path("me/export/", views.MeExportView.as_view(), name="api-me-export"),
    path("me/2fa/totp/", views.TotpView.as_view(), name="api-totp"),
    path("me/2fa/totp/confirm/", views.TotpConfirmView.as_view(), name="api-totp-confirm"),
    path(
        "me/notification-settings/",
        views.NotificationSettingsView.as_view(),
        name="api-notification-settings",
    ),
    path("notifications/", views.NotificationListView.as_view(), name="api-notifications"),
    path(
        "notifications/read/",
        views.NotificationReadView.as_view(),
        name="api-notifications-read",
    ),
    path("users/<str:username>/", views.UserDetailView.as_view(), name="api-user"),
    path("posts/", views.PostListCreateView.as_view(), name="api-posts"),
    path("posts/<int:pk>/", views.PostDetailView.as_view(), name="api-post"),
    path(
        "posts/<int:pk>/photos/<int:photo_id>/",
        views.PostPhotoView.as_view(),
        name="api-post-photo",
    ),
    path(
        "posts/<int:pk>/comments/",
        views.CommentListCreateView.as_view(),
        name="api-post-comments",
    ),
    path("comments/<int:pk>/", views.CommentDeleteView.as_view(), name="api-comment"),
    path("feed/", views.FeedView.as_view(), name="api-feed"),
    path("search/", views.SearchView.as_view(), name="api-search"),
    path(
        "tags/<int:pk>/members/<str:username>/preview/",
        views.TagMemberPreviewView.as_view(),
        name="api-tag-member-preview",
    ),
    path("audience/preview/", views.AudiencePreviewView.as_view(), name="api-audience-preview"),
]
