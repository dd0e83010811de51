"""Pages of the digest app."""

from django.urls import path

from digest import views

app_name = "digest"

urlpatterns = [
    path("digest/", views.digest_latest, name="latest"),
    path("digest/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("digest/<str:week>/", views.digest_week, name="week"),
]
