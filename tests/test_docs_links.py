"""Every link in the README and docs/ leads to a file of this repository (and a heading that
exists there): a reader of a clone has nothing else (the team's shared/ folder is not in it)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
DOCS = [
    ROOT / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
    ROOT / "tests/fixtures/README.md",
]
LINK_RE = re.compile(r"\]\(([^)\s]+)\)")
HEADING_RE = re.compile(r"^#{1,6} (.+)$", re.MULTILINE)


def anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    return {
        re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        for heading in HEADING_RE.findall(markdown)
    }


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_links_lead_to_files_of_the_repository(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    assert "shared/" not in text, "points at the team's shared/ folder, not in the repository"
    for target in LINK_RE.findall(text):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        path, _, anchor = target.partition("#")
        linked = (doc.parent / path).resolve() if path else doc
        assert linked.exists(), f"{doc.name}: {target} does not exist"
        assert linked.is_relative_to(ROOT), f"{doc.name}: {target} is outside the repository"
        if anchor:
            assert anchor in anchors(linked.read_text(encoding="utf-8")), f"{doc.name}: {target}"
