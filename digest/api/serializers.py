"""API shape of a digest (SPEC §6): {week, starts_at, ends_at, summary, summary_source,
people, posts: [post], memories: [post]}."""

from rest_framework import serializers

from social.api.serializers import PostSerializer


class DigestPersonSerializer(serializers.Serializer):
    username = serializers.CharField()
    display_name = serializers.CharField()


class DigestSerializer(serializers.Serializer):
    """A DigestPage as the viewer sees it now."""

    week = serializers.CharField(help_text="ISO week, YYYY-Www.")
    starts_at = serializers.DateTimeField(help_text="Monday 00:00 in the viewer's timezone.")
    ends_at = serializers.DateTimeField(help_text="The next Monday 00:00 (exclusive).")
    summary = serializers.CharField()
    summary_source = serializers.ChoiceField(choices=["builtin", "llm"])
    people = DigestPersonSerializer(many=True, help_text="Who shared, in order of appearance.")
    posts = PostSerializer(many=True, help_text="Chronological, one page each.")
    memories = PostSerializer(
        many=True,
        help_text="From past years: up to 3 posts of the same ISO week in earlier years, most "
        "important first; empty when memories are turned off.",
    )
