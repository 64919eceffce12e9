"""Open drug scenes, their sub-places and observations."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScenesConfig(AppConfig):
    name = "scenes"
    verbose_name = _("Scenes")
