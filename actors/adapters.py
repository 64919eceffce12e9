"""How django-allauth and django-axes fit this platform's accounts."""

from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        # Accounts are created by administrators for named staff of partner organisations.
        return False


def axes_username(request, credentials):
    """The name a log-in attempt is counted against: the account's username, whether the
    username or the e-mail address was typed (one lock-out rule for both)."""
    credentials = credentials or {}
    typed = ""
    for key in ("username", "email", "login"):
        if credentials.get(key):
            typed = str(credentials[key])
            break
    else:
        typed = (request.POST.get("login") or "") if request else ""
    typed = typed.strip().lower()
    if "@" in typed:
        from .models import User

        account = User.objects.filter(email__iexact=typed).values_list("username", flat=True)
        names = list(account[:2])
        if len(names) == 1:
            return names[0].lower()
    return typed
