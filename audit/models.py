"""The audit trail: one append-only table of entries, sealed into a hash chain.

Every change of domain data (recorded by database triggers, so `bulk_create`, `update()`,
imports and raw SQL are caught too), every read of it (one bulk insert per request) and
every security event (log-ins, lock-outs, MFA, memberships, teams, shares) is an `Entry`.
When the transaction that wrote an entry commits, a deferred trigger gives it the next place
in the chain: a `Seal` holding the hash of the previous seal and of the entry's content. The
database refuses UPDATE, DELETE and TRUNCATE on these tables; `manage.py verify_audit` walks
the chain and names the first entry that was changed, removed or put in out of order, and
the nightly check records the head of the chain (`Head`) to be kept outside the database.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from .permissions import EntryQuerySet
from .triggers import append_only, seal_on_commit, truncate_refused

ACTIONS = {
    "view": _("viewed"),
    "list": _("listed"),
    "export": _("exported"),
    "map": _("on a map"),
    "download": _("downloaded"),
    "api": _("read through the API"),
    "insert": _("created"),
    "update": _("changed"),
    "delete": _("removed"),
    "login": _("logged in"),
    "login_failed": _("failed log-in"),
    "lockout": _("locked out"),
    "mfa_added": _("turned on two-factor authentication"),
    "mfa_removed": _("turned off two-factor authentication"),
    "team_joined": _("put an organisation on a team"),
    "team_left": _("took an organisation off a team"),
    "team_lead": _("changed a team's lead"),
    "share_created": _("shared a kept row"),
    "share_ended": _("ended a share"),
    "scene_archived": _("archived a scene"),
    "scene_restored": _("made an archived scene active again"),
    "scene_deleted": _("removed a scene created by mistake"),
    "audit_reviewed": _("marked a read as reviewed"),
    "audit_unusual_viewed": _("looked at unusual reading"),
}


class Entry(models.Model):
    class Kind(models.TextChoices):
        CHANGE = "change", _("Change")
        READ = "read", _("Read")
        EVENT = "event", _("Event")

    # The database's clock, for entries written by triggers and by the application alike.
    at = models.DateTimeField(_("when"), db_default=Now(), editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # insert / update / delete; view / list / export / download / api; login / ... (events)
    action = models.CharField(_("what"), max_length=40)
    # The table changed (changes) or the model read ("scenes.observation").
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object"), max_length=64, blank=True)
    object_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    scene_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    data = models.JSONField(null=True, blank=True)
    # Who: kept as values, not foreign keys, so that the record outlives the account.
    user_id = models.BigIntegerField(null=True, blank=True)
    username = models.CharField(_("user"), max_length=150, blank=True)
    organisation_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    organisations = models.CharField(_("organisations and roles"), max_length=1000, blank=True)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    request_id = models.CharField(_("request"), max_length=64, blank=True)
    path = models.CharField(_("page"), max_length=500, blank=True)

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["kind", "at"], name="audit_kind_at"),
            models.Index(fields=["user_id", "at"], name="audit_user_at"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            GinIndex(fields=["object_ids"], name="audit_object_ids"),
            GinIndex(fields=["scene_ids"], name="audit_scene_ids"),
            GinIndex(fields=["organisation_ids"], name="audit_organisation_ids"),
        ]
        triggers = [
            append_only("entry_append_only"),
            truncate_refused("entry_no_truncate"),
            seal_on_commit(),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.action} {self.object_type} {self.object_id}"

    def get_action_display_text(self) -> str:
        return str(ACTIONS.get(self.action, self.action))


class Seal(models.Model):
    """An entry's place in the chain: hash = sha256(previous hash + the entry's content)."""

    seq = models.BigIntegerField(primary_key=True)
    # Not a foreign key: an entry removed behind the database's back must leave its seal
    # behind, for the check to find.
    entry_id = models.BigIntegerField(unique=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        triggers = [append_only("seal_append_only"), truncate_refused("seal_no_truncate")]

    def __str__(self):
        return f"{self.seq}: {self.hash}"


class Head(models.Model):
    """The head of the chain as the nightly check found it whole."""

    seq = models.BigIntegerField()
    hash = models.CharField(max_length=64)
    checked_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["-seq"]
        triggers = [append_only("head_append_only"), truncate_refused("head_no_truncate")]

    def __str__(self):
        return f"{self.seq}:{self.hash}"


class Review(models.Model):
    """A read picked for log review (loggkontroll) and marked as reviewed."""

    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(db_default=Now())
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entry"], name="audit_review_once")]
        triggers = [append_only("review_append_only"), truncate_refused("review_no_truncate")]

    def __str__(self):
        return f"{self.entry_id} ({self.reviewer})"
