from django.apps import AppConfig


class DigestConfig(AppConfig):
    name = "digest"
    verbose_name = "Digest"

    def user_export(self, user) -> dict:
        """The person's digests, for their data export (social.exports)."""
        from digest.selectors import digests_export

        return {"digests": digests_export(user=user)}
