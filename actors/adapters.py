"""How django-allauth and django-axes fit this platform's accounts."""

from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        # Accounts are created by administrators for named staff of partner organisations.
        return False


def axes_username(request, credentials):
    """The name a log-in attempt is counted against: username or e-mail, as typed."""
    credentials = credentials or {}
    for key in ("username", "email", "login"):
        if credentials.get(key):
            return str(credentials[key]).strip().lower()
    return (request.POST.get("login") or "").strip().lower() if request else ""
