"""The GIN index of search (SPEC §9) on PostgreSQL: to_tsvector(config, body) per text search
configuration of `social.selectors.SEARCH_CONFIGS`, the same expression the search query
filters on, so the planner uses it. SQLite searches with a plain match and gets no index."""

from django.db import migrations

CONFIGS = ["english"]


def _index_name(config: str) -> str:
    return f"post_body_search_{config}"


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for config in CONFIGS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {_index_name(config)} ON social_post USING gin "
            f"(to_tsvector('{config}'::regconfig, COALESCE(body, '')))"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for config in CONFIGS:
        schema_editor.execute(f"DROP INDEX IF EXISTS {_index_name(config)}")


class Migration(migrations.Migration):
    dependencies = [
        ("social", "0006_text_refuses_control_characters"),
    ]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
