"""Pages of the social app."""

from django.urls import path

from social import views

app_name = "social"

urlpatterns = [
    path("", views.home, name="home"),
    path("feed/", views.feed, name="feed"),
    path("search/", views.search, name="search"),
    path("posts/new/", views.post_new, name="post_new"),
    path("posts/<int:pk>/", views.post_detail, name="post"),
    path("posts/<int:pk>/edit/", views.post_edit, name="post_edit"),
    path("posts/<int:pk>/delete/", views.post_delete, name="post_delete"),
    path("posts/<int:pk>/comments/", views.comment_create, name="comment_create"),
    path("comments/<int:pk>/delete/", views.comment_delete, name="comment_delete"),
    path("photos/<int:pk>/<str:variant>/", views.photo, name="photo"),
    path("settings/", views.settings_page, name="settings"),
    path("settings/notifications/", views.notification_settings, name="notification_settings"),
    path("settings/export/", views.data_export, name="export"),
    path("settings/export/<int:pk>/", views.data_export_download, name="export_download"),
    path("settings/delete/", views.account_delete, name="account_delete"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("notifications/<int:pk>/", views.notification_open, name="notification"),
    path(
        "notifications/unsubscribe/<str:token>/",
        views.notifications_unsubscribe,
        name="notifications_unsubscribe",
    ),
    path("people/<str:username>/", views.profile, name="profile"),
    path("people/<str:username>/avatar/", views.avatar, name="avatar"),
]
