"""Pages of the social app."""

from django.urls import path

from social import views

app_name = "social"

urlpatterns = [
    path("", views.home, name="home"),
    path("feed/", views.feed, name="feed"),
    path("settings/", views.settings_page, name="settings"),
    path("people/<str:username>/avatar/", views.avatar, name="avatar"),
]
