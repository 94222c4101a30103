"""The documentation holds together: links resolve, the README stays short, nothing drifts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from earmark.cli import cli

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = [README, ROOT / "CHANGELOG.md", *sorted(DOCS.glob("*.md"))]

# Linked from the README and the docs index, written separately by the lead; drop this entry
# once docs/reliability.md is in the repository.
# In the docs index but not yet linked from the README (which the lead writes): drop the entry
# once the README links docs/model.md.

FENCE = re.compile(r"^[ \t]*(```|~~~).*?^[ \t]*\1[^\n]*$", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"!?\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^\s*\[[^\]]+\]:\s*(\S+)", re.MULTILINE)


def relative_links(markdown: str) -> list[str]:
    """Return the relative link targets of a Markdown text, outside code, without anchors."""
    text = CODE_SPAN.sub("", FENCE.sub("", markdown))
    targets = LINK.findall(text) + REFERENCE.findall(text)
    found = []
    for target in targets:
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE) or target.startswith("#"):
            continue  # http:, https:, mailto: ... and links within the same page
        found.append(target.split("#", 1)[0])
    return found


def test_relative_links_are_found_outside_code_only():
    markdown = (
        "See [a](docs/a.md#part), [b](<b c.md>), [web](https://example.org/x.md), [top](#top),\n"
        "![img](img/x.png) and `[not](code.md)`.\n"
        "```\n[also not](fenced.md)\n```\n"
        "- item\n\n  ```\n  [nor](indented.md)\n  ```\n"
        "[ref]: ref/target.md\n"
    )
    assert relative_links(markdown) == ["docs/a.md", "img/x.png", "ref/target.md"]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_points_at_an_existing_path(page):
    missing = [
        target
        for target in relative_links(page.read_text("utf-8"))
        if not (page.parent / target).exists()
    ]
    assert missing == []


def test_readme_is_short():
    lines = README.read_text("utf-8").splitlines()
    assert len(lines) < 250


def test_every_manual_page_is_in_the_index_and_the_readme():
    index = set(relative_links((DOCS / "README.md").read_text("utf-8")))
    from_readme = set(relative_links(README.read_text("utf-8")))
    pages = {p.name for p in DOCS.glob("*.md") if p.name != "README.md"}
    assert pages - index == set()
    assert {f"docs/{name}" for name in pages} - from_readme == set()


def test_the_readme_command_table_lists_every_command():
    readme = README.read_text("utf-8")
    table = readme[readme.index("## Commands") :]
    assert sorted(name for name in cli.commands if f"`{name}" not in table) == []


def test_configuration_page_covers_every_section_of_the_example():
    example = (ROOT / "config.example.yaml").read_text("utf-8")
    page = (DOCS / "configuration.md").read_text("utf-8")
    assert "../config.example.yaml" in relative_links(page)
    rows = set(re.findall(r"^\| `([a-z_]+)` \|", page, re.MULTILINE))
    assert sorted(set(yaml.safe_load(example)) - rows) == []


DIARY = [
    re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?\s*UTC\b"),  # times of day
    re.compile(r"\bthis (?:session|VM)\b", re.IGNORECASE),
    re.compile(r"\bcommit [0-9a-f]{7,40}\b"),
]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_work_diary_in_the_documentation(page):
    text = page.read_text("utf-8")
    assert [m.group(0) for pattern in DIARY for m in pattern.finditer(text)] == []
