"""The cross-cutting models: a caller's Idempotency-Key and a background Job.

They belong to the ``warehouse`` app (their tables and migrations are its),
and are imported by ``warehouse.models`` so the app registers them; nothing
here knows the domain.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class IdempotencyKey(models.Model):
    """A caller's ``Idempotency-Key`` and the first answer given to it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    locked_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"], name="idempotency_key_unique_per_user"
            )
        ]

    def __str__(self):
        return self.key


class Job(models.Model):
    """A background job's intent, written in the transaction that needs it.

    The outbox of DESIGN.md section 6: the row commits with the change, a
    dispatcher hands it to Celery after commit (and again later if the broker
    was down or the message was lost), and the worker marks it done in the
    same transaction as the job's own writes, so it takes effect once.
    ``key`` makes a pending job unique (recording it twice records it once).
    """

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")  # refused by the domain: never retried
        DEAD = "dead", _("dead")  # out of attempts

    name = models.CharField(_("job"), max_length=64)
    key = models.CharField(_("key"), max_length=128, blank=True)
    args = models.JSONField(_("arguments"), default=dict, blank=True)
    state = models.CharField(
        _("state"), max_length=8, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    available_at = models.DateTimeField(_("available at"), default=timezone.now)
    enqueued_at = models.DateTimeField(_("enqueued at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        constraints = [
            models.UniqueConstraint(
                fields=["key"],
                condition=Q(state="pending") & ~Q(key=""),
                name="job_key_unique_while_pending",
            )
        ]
        indexes = [
            models.Index(
                fields=["available_at"],
                condition=Q(state="pending"),
                name="job_pending_idx",
            )
        ]

    def __str__(self):
        return f"{self.name} #{self.pk} ({self.state})"
