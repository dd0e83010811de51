"""factory-boy factories for the social app."""

import factory
from allauth.account.models import EmailAddress

from social.models import User

PASSWORD = "a-long-test-password-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    display_name = factory.LazyAttribute(lambda u: u.username.title())
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(self, create, extracted, **kwargs):
        if create:
            self.save()
            EmailAddress.objects.create(user=self, email=self.email, primary=True, verified=True)


class PostFactory(factory.django.DjangoModelFactory):
    """A post; pass `audience_tags=[tag, ...]` for a tags post."""

    class Meta:
        model = "social.Post"
        skip_postgeneration_save = True

    author = factory.SubFactory(UserFactory)
    body = factory.Sequence(lambda n: f"Post number {n}: a small moment worth sharing.")
    audience = "connections"

    @factory.post_generation
    def audience_tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.audience_tags.set(extracted)


class CommentFactory(factory.django.DjangoModelFactory):
    """A comment, by the post's author unless `author` is given."""

    class Meta:
        model = "social.Comment"

    post = factory.SubFactory(PostFactory)
    author = factory.LazyAttribute(lambda comment: comment.post.author)
    body = factory.Sequence(lambda n: f"Comment {n}")
