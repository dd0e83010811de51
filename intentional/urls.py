"""The site's URLs: pages, the API under /api/v1/, operations, admin."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from intentional import health
from social import account_views

api_v1 = [
    path("", include("social.api.urls")),
    path("", include("connections.api.urls")),
    path("", include("digest.api.urls")),
]

urlpatterns = [
    path("health/", health.health, name="health"),
    path("health/ready/", health.ready, name="health-ready"),
    path("metrics", health.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    # Rate-limited versions of allauth's login, sign-up, password and code checks come before
    # allauth's own URLs.
    path("accounts/login/", account_views.LoginView.as_view(), name="account_login"),
    path("accounts/signup/", account_views.SignupView.as_view(), name="account_signup"),
    path(
        "accounts/password/change/",
        account_views.PasswordChangeView.as_view(),
        name="account_change_password",
    ),
    path(
        "accounts/reauthenticate/",
        account_views.ReauthenticateView.as_view(),
        name="account_reauthenticate",
    ),
    # Two-factor codes, counted on the account's "mfa" limit (SPEC §11).
    path(
        "accounts/2fa/authenticate/",
        account_views.MfaAuthenticateView.as_view(),
        name="mfa_authenticate",
    ),
    path(
        "accounts/2fa/reauthenticate/",
        account_views.MfaReauthenticateView.as_view(),
        name="mfa_reauthenticate",
    ),
    path(
        "accounts/2fa/totp/activate/",
        account_views.ActivateTotpView.as_view(),
        name="mfa_activate_totp",
    ),
    path("accounts/", include("allauth.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include(api_v1)),
    path("", include("social.urls")),
    path("", include("connections.urls")),
    path("", include("digest.urls")),
]

handler400 = "intentional.errors.handler400"
handler403 = "intentional.errors.handler403"
handler404 = "intentional.errors.handler404"
handler500 = "intentional.errors.handler500"
