"""Forms for accounts."""

from allauth.account.forms import LoginForm as AllauthLoginForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AllauthLoginForm):
    """allauth's log-in form with plain labels: no placeholders standing in for them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        login = self.fields["login"]
        login.label = _("Username or e-mail address")
        login.widget.attrs.pop("placeholder", None)
        login.widget.attrs["autocomplete"] = "username"
        password = self.fields["password"]
        password.label = _("Password")
        password.help_text = ""
        password.widget.attrs.pop("placeholder", None)

    def sign_ons(self):
        """The organisations' identity providers one can sign in through, by organisation."""
        from .models import SignOn

        active = SignOn.objects.filter(is_active=True, organisation__is_active=True)
        return list(active.select_related("organisation", "app"))
