"""Problem-oriented work: SARA cases, the method catalogue and actions."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SaraConfig(AppConfig):
    name = "sara"
    verbose_name = _("SARA")
