"""Languages (SPEC §12): which one a page, an API answer or an email is written in.

Before login, the browser's Accept-Language (intentional.middleware.LocaleMiddleware); once
signed in, the person's own `language` (UserLanguageMiddleware for pages, intentional.api's
authentication classes for the API); an email, the recipient's `language`, else LANGUAGE_CODE
(a background task has no browser to ask). A person's `language` is "" when they have not
chosen one (accounts from before languages existed): their pages follow the browser.
"""

from django.conf import settings
from django.utils import translation


def language_codes() -> list[str]:
    """The codes of the site's languages (settings.LANGUAGES), in their order."""
    return [code for code, _name in settings.LANGUAGES]


def person_language(user) -> str:
    """The language `user` chose, "" if none (or anonymous, or a code no longer offered)."""
    language = getattr(user, "language", "") or ""
    return language if language in language_codes() else ""


def activate_person_language(request, user) -> None:
    """Answer `request` in `user`'s language, if they chose one (else as the browser asks)."""
    language = person_language(user)
    if language:
        translation.activate(language)
        request.LANGUAGE_CODE = language


def recipient_language(user) -> translation.override:
    """A context manager writing to `user` (an email, its subject) in their language, else in
    LANGUAGE_CODE, whatever language the code around it is in (another person's request, a
    task)."""
    return translation.override(person_language(user) or settings.LANGUAGE_CODE)


def request_language() -> str:
    """The language being used now (for a sign-up: the one its page was shown in)."""
    try:
        return translation.get_supported_language_variant(translation.get_language() or "")
    except LookupError:
        return settings.LANGUAGE_CODE
