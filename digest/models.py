"""Stored weekly digests, their ordered entries and their email deliveries (SPEC §5)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from digest.weeks import Week, week_parse


class DigestQuerySet(models.QuerySet):
    def of(self, user):
        """`user`'s stored digests."""
        return self.filter(user=user)


class Digest(models.Model):
    """One person's digest of one ISO week, built once and stored."""

    class SummarySource(models.TextChoices):
        BUILTIN = "builtin", _("built-in")
        LLM = "llm", _("language model")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digests"
    )
    # ISO week, "2026-W05": zero-padded, so it sorts as text.
    week = models.CharField(max_length=8)
    # The week's bounds in the user's timezone at build time.
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    summary = models.TextField(blank=True)
    summary_source = models.CharField(
        max_length=10, choices=SummarySource.choices, default=SummarySource.BUILTIN
    )
    # summary_basis() of the posts the summary was written from; empty: unknown (written again
    # whenever shown).
    summary_basis = models.CharField(max_length=64, blank=True)
    built_at = models.DateTimeField()
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = DigestQuerySet.as_manager()

    class Meta:
        ordering = ["-week", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "week"], name="digest_user_week_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.week}"

    @property
    def iso_week(self) -> Week:
        return week_parse(self.week)


class DigestEntry(models.Model):
    """One page of a digest: a post, in chronological position."""

    digest = models.ForeignKey(Digest, on_delete=models.CASCADE, related_name="entries")
    # Copied from digest.user so the database refuses one post in two of a person's digests.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # A deleted post leaves an empty entry, not none: the entry keeps its place, and the summary
    # that may quote the post is written again when shown (Digest.summary_basis no longer matches).
    post = models.ForeignKey("social.Post", on_delete=models.SET_NULL, null=True, related_name="+")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["digest_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["digest", "position"], name="digest_entry_position_unique"
            ),
            models.UniqueConstraint(fields=["user", "post"], name="digest_entry_user_post_unique"),
        ]
        verbose_name_plural = _("digest entries")

    def __str__(self) -> str:
        return f"{self.digest} #{self.position}"


class DigestMemory(models.Model):
    """A post from the same ISO week of an earlier year, shown with a digest under "From past
    years" (SPEC §5). Chosen once, when the digest is built; the unique (user, post) pair is
    what keeps a memory from ever being shown in two of a person's digests."""

    digest = models.ForeignKey(Digest, on_delete=models.CASCADE, related_name="memories")
    # Copied from digest.user so the database refuses one memory in two of a person's digests.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey("social.Post", on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["digest_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "post"], name="digest_memory_user_post_unique"),
        ]
        verbose_name_plural = _("digest memories")

    def __str__(self) -> str:
        return f"{self.digest}: memory of post {self.post_id}"


class DigestDelivery(models.Model):
    """The email of one digest. Its status column is the claim that makes sending idempotent."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        # Claimed by one worker (a conditional UPDATE): nobody else may send it.
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        # The last attempt failed; a retry or a later run may claim it again.
        FAILED = "failed", _("failed")
        # Nothing to send (an empty week).
        SKIPPED = "skipped", _("skipped")

    digest = models.OneToOneField(Digest, on_delete=models.CASCADE, related_name="delivery")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = _("digest deliveries")

    def __str__(self) -> str:
        return f"{self.digest}: {self.status}"
