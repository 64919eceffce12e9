"""What the platform keeps about its own pages: when each user last looked at the start page."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.triggers import audited
from ods_platform.lib.plain import PlainInput


class StartPageVisit(PlainInput, models.Model):
    """When the user last opened the start page, so that it can say what is new since then
    ("since" is the visit before the current one: see `ods_platform.startpage.visit_since`)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="start_page_visit"
    )
    seen_at = models.DateTimeField(_("last visit"), default=timezone.now)

    class Meta:
        triggers = [audited()]
        verbose_name = _("start page visit")
        verbose_name_plural = _("start page visits")

    def __str__(self):
        return f"{self.user} {self.seen_at:%Y-%m-%d %H:%M}"
