"""One list of a post's public fields (earmark.models.POST_FIELDS), checked against the rest."""

from __future__ import annotations

import dataclasses

from earmark.models import POST_FIELDS, Post
from earmark.store.posts import POST_COLUMNS
from listen import fileformats


def test_post_fields_are_the_post_dataclass_without_its_bookkeeping():
    own = {f.name for f in dataclasses.fields(Post)}
    assert set(POST_FIELDS) == {"id"} | own - {"source", "raw"}
    assert len(POST_FIELDS) == len(set(POST_FIELDS))


def test_the_posts_table_stores_every_post_field():
    assert set(POST_FIELDS) <= set(POST_COLUMNS)


def test_the_file_formats_use_the_same_list():
    assert fileformats.POST_FIELDS is POST_FIELDS
