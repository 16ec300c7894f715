"""Each person reads in their language: the preference and where it applies.

A user's :class:`~warehouse.models.UserPreference` names a language of
``settings.LANGUAGES``, or none (blank: follow the browser). Where it applies:

- pages of a signed-in user: the preference, whatever the browser sends
  (:class:`~warehouse.common.middleware.UserLanguageMiddleware`); the sign-in
  page and other anonymous pages follow the browser (the language cookie,
  then ``Accept-Language``, as Django's ``LocaleMiddleware`` does);
- the API: ``Accept-Language`` when the caller sends it (codes never change);
  without it, the caller's preference (a session caller's from the session,
  a token caller's from the token's cached user,
  ``warehouse.common.auth``), else the site's default;
- e-mails to a person (the password reset): the recipient's preference, else
  the language of the request that caused them.

The preference is read once, when the person signs in
(:func:`language_remember`, on ``user_logged_in``), and kept in the session
under :data:`SESSION_LANGUAGE`: a page costs no query for it. Saving it on
the account page (:func:`preference_save`) updates the session at once; a
change made elsewhere (the admin) applies at the person's next sign-in.
"""

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.utils import translation

SESSION_LANGUAGE = "qcw_language"
LANGUAGE_CODES = frozenset(code for code, _name in settings.LANGUAGES)


def preference_language(user) -> str:
    """The language ``user`` chose, or "" (none: follow the browser).

    Reads the preference row unless it was loaded with the user (a
    ``select_related("preference")``, as the API's token look-up does).
    """
    if user is None or not getattr(user, "pk", None):
        return ""
    try:
        language = user.preference.language
    except ObjectDoesNotExist:
        return ""
    return language if language in LANGUAGE_CODES else ""


def preference_save(*, user, language: str, request=None) -> str:
    """Store ``user``'s language ("" for the browser's); with ``request``,
    it applies to that request and the rest of its session at once."""
    from warehouse.models import UserPreference

    if language and language not in LANGUAGE_CODES:
        raise ValueError(f"Unknown language {language!r}.")
    preference, _created = UserPreference.objects.update_or_create(
        user=user, defaults={"language": language}
    )
    user.preference = preference
    if request is not None:
        request.session[SESSION_LANGUAGE] = language
        language_activate(request, language or _browser_language(request))
    return language


def language_remember(sender, request, user, **kwargs) -> None:
    """On sign-in: keep the person's language in their session (one query,
    at sign-in only)."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_LANGUAGE] = preference_language(user)


def session_language(request) -> str:
    """The signed-in person's language kept in the session, or ""."""
    session = getattr(request, "session", None)
    if session is None:
        return ""
    language = session.get(SESSION_LANGUAGE, "")
    return language if language in LANGUAGE_CODES else ""


def language_activate(request, language: str) -> None:
    """Answer this request in ``language``."""
    translation.activate(language)
    request.LANGUAGE_CODE = translation.get_language()


def _browser_language(request) -> str:
    return translation.get_language_from_request(request)


def recipient_language(user) -> str:
    """The language to write to ``user`` in: their preference, else the
    active one (the request that caused the message)."""
    return (
        preference_language(user)
        or translation.get_language()
        or (settings.LANGUAGE_CODE)
    )
