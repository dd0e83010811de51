"""Pages of the digest app."""

app_name = "digest"

urlpatterns: list = []
