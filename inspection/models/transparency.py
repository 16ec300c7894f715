"""The certificate transparency log's rows (issue 22, RFC 9162).

Writes go through :mod:`inspection.trust.transparency.log` only. An entry is
recorded pending (no ``index``) in the transaction that issues, revokes or
re-issues its certificate; the sequencer gives pending entries consecutive
indices under one lock (:class:`LogState`), stores the complete subtrees they
complete (:class:`LogNode`) and signs tree heads (:class:`TreeHead`).
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .certificates import Certificate


class LogEntry(models.Model):
    """One leaf of the log: what happened to a certificate, as canonical JSON.

    ``leaf`` is the leaf's data (UTF-8 canonical JSON: ``kind``, ``number``,
    ``sha256`` of the certificate's signed content, ``at``, and ``replaces``
    for a re-issue); ``leaf_hash`` is ``SHA-256(0x00 || leaf)`` in hex.
    """

    class Kind(models.TextChoices):
        ISSUE = "issue", _("issue")
        REVOKE = "revoke", _("revocation")
        REISSUE = "reissue", _("re-issue")

    index = models.BigIntegerField(_("index"), null=True, blank=True, unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    certificate = models.ForeignKey(
        Certificate, on_delete=models.PROTECT, related_name="log_entries"
    )
    leaf = models.TextField(_("leaf data"))
    leaf_hash = models.CharField(_("leaf hash"), max_length=64)
    recorded_at = models.DateTimeField(_("recorded at"))
    integrated_at = models.DateTimeField(_("integrated at"), null=True, blank=True)

    class Meta:
        ordering = ["index", "id"]
        verbose_name = _("log entry")
        verbose_name_plural = _("log entries")
        indexes = [
            models.Index(
                fields=["id"], condition=Q(index__isnull=True), name="log_entry_pending"
            )
        ]

    def __str__(self):
        return f"{self.index}: {self.kind} {self.certificate_id}"


class LogNode(models.Model):
    """A complete subtree's hash: ``2**level`` leaves from ``index * 2**level``."""

    level = models.PositiveSmallIntegerField()
    index = models.BigIntegerField()
    hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["level", "index"], name="log_node_unique")
        ]

    def __str__(self):
        return f"({self.level}, {self.index})"


class TreeHead(models.Model):
    """A signed tree head: the log's size and root at a moment, signed (Ed25519).

    ``signature`` (base64) is over RFC 9162's ``TreeHeadDataToSign`` (timestamp
    in ms, tree size, root hash, no extensions), made with the seal key
    ``kid`` (:func:`inspection.trust.keys.seal_key`).
    """

    tree_size = models.BigIntegerField(_("tree size"))
    root_hash = models.CharField(_("root hash"), max_length=64)
    timestamp = models.BigIntegerField(_("timestamp (ms since the epoch)"))
    kid = models.CharField(_("key id"), max_length=32)
    signature = models.CharField(_("signature"), max_length=128)

    class Meta:
        ordering = ["-tree_size", "-timestamp"]
        verbose_name = _("signed tree head")
        verbose_name_plural = _("signed tree heads")
        indexes = [models.Index(fields=["tree_size", "timestamp"])]

    def __str__(self):
        return f"{self.tree_size} @ {self.timestamp}"


class LogState(models.Model):
    """The one row the sequencer locks: how many entries are integrated."""

    size = models.BigIntegerField(default=0)

    def __str__(self):
        return str(self.size)
