"""django-allauth's login and sign-up pages with the rate limits of SPEC §7, and its
two-factor pages with the code limit of SPEC §11 (`RATELIMITS["mfa"]`, shared with the API)."""

from allauth.account import views as allauth_views
from allauth.mfa.base import views as mfa_views
from allauth.mfa.totp import views as totp_views

from intentional.ratelimit import ratelimit_enforce
from social import selectors


class LoginView(allauth_views.LoginView):
    """Login: 10 attempts a minute per client address and per account."""

    def post(self, request, *args, **kwargs):
        login = request.POST.get("login", "")
        account = selectors.user_for_login(login=login)
        ratelimit_enforce(request, name="login", by_ip=True, account=account, login=login)
        return super().post(request, *args, **kwargs)


class SignupView(allauth_views.SignupView):
    """Sign-up: 5 an hour per client address."""

    def post(self, request, *args, **kwargs):
        ratelimit_enforce(request, name="register", by_ip=True)
        return super().post(request, *args, **kwargs)


class PasswordChangeView(allauth_views.PasswordChangeView):
    """Password change checks the current password: it counts on the account's login limit
    (allauth's own limits are off, ACCOUNT_RATE_LIMITS)."""

    def post(self, request, *args, **kwargs):
        ratelimit_enforce(request, name="login", account=request.user)
        return super().post(request, *args, **kwargs)


class ReauthenticateView(allauth_views.ReauthenticateView):
    """Confirming one's password again: the same account's login limit."""

    def post(self, request, *args, **kwargs):
        ratelimit_enforce(request, name="login", account=request.user)
        return super().post(request, *args, **kwargs)


class MfaAuthenticateView(mfa_views.AuthenticateView):
    """The code asked for after the password at login: the account's two-factor limit, on the
    same counter as the API's sign-in code. A passkey's answer (no `code`) is not a guess."""

    def post(self, request, *args, **kwargs):
        if "code" in request.POST:
            ratelimit_enforce(request, name="mfa", account=self.stage.login.user)
        return super().post(request, *args, **kwargs)


class MfaReauthenticateView(mfa_views.ReauthenticateView):
    """Confirming it is you with a code: the same two-factor limit."""

    def post(self, request, *args, **kwargs):
        ratelimit_enforce(request, name="mfa", account=request.user)
        return super().post(request, *args, **kwargs)


class ActivateTotpView(totp_views.ActivateTOTPView):
    """Setting up an authenticator app checks a code from it: the same two-factor limit, as
    the API's `POST /api/v1/me/2fa/totp/confirm/`."""

    def post(self, request, *args, **kwargs):
        ratelimit_enforce(request, name="mfa", account=request.user)
        return super().post(request, *args, **kwargs)
