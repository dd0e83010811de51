"""`intentional.links.link`: the same URLs as Django's reverse, for the routes pages repeat."""

import pytest
from django.urls import reverse, set_script_prefix

from intentional.links import link


@pytest.mark.parametrize(
    ("viewname", "args"),
    [
        ("social:post", (1,)),
        ("social:post", (987654321,)),
        ("social:profile", ("ana_B_9",)),
        ("social:avatar", ("x_y",)),
        ("social:photo", (12, "display")),
        ("social:photo", (12, "thumb")),
    ],
)
@pytest.mark.parametrize("prefix", ["/", "/mounted/here/"])
def test_link_is_reverse(viewname, args, prefix):
    set_script_prefix(prefix)
    try:
        assert link(viewname, *args) == reverse(viewname, args=args)
        assert link(viewname, *args).startswith(prefix)
    finally:
        set_script_prefix("/")
