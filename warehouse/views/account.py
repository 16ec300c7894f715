"""The account page: what a signed-in person sets for themselves.

Every signed-in role has it (the header links to it from their name). Today
it holds the language the person reads the product in
(``warehouse.common.languages``); the header's language switch saves the
same preference for a signed-in person.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from warehouse.common.languages import preference_language, preference_save


class PreferenceForm(forms.Form):
    language = forms.ChoiceField(
        label=gettext_lazy("Language"),
        choices=[("", gettext_lazy("The browser's language")), *settings.LANGUAGES],
        required=False,
    )


def _next(request) -> str | None:
    """Where the header's switch came from, if it is one of our pages."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def account_edit(request):
    """Show and save the signed-in person's language; saved, it applies at once
    (this answer and every page after it)."""
    if request.method == "POST":
        form = PreferenceForm(request.POST)
        if form.is_valid():
            preference_save(
                user=request.user,
                language=form.cleaned_data["language"],
                request=request,
            )
            messages.success(request, _("Your language is saved."))
            return redirect(_next(request) or "account:edit")
        status = 400
    else:
        form = PreferenceForm(initial={"language": preference_language(request.user)})
        status = 200
    return render(request, "account/account_edit.html", {"form": form}, status=status)
