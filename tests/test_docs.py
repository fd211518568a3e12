"""Every relative link in README.md and docs/*.md points to a file in the repository."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])

# Fenced blocks and inline code show text, not links: `[a](b)` inside them is not followed.
_FENCED = re.compile(r"^(`{3,}|~{3,}).*?^\1[ \t]*$", re.MULTILINE | re.DOTALL)
_INLINE_CODE = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.DOTALL)
# [text](target) and ![alt](target), the target maybe in <...>, maybe followed by a "title".
_INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*(<[^>]*>|[^\s)]+)(?:\s+[^)]*)?\)")
# [label]: target (a reference definition, at the start of a line).
_REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)", re.MULTILINE)
_EXTERNAL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")  # http:, https:, mailto:, ...


def _blank(match: re.Match[str]) -> str:
    # Keep the newlines, so that line numbers in failure messages stay right.
    return re.sub(r"[^\n]", " ", match.group(0))


def link_targets(text: str) -> list[tuple[int, str]]:
    """(line, target) of every inline link, image and reference definition outside code."""
    text = _FENCED.sub(_blank, text)
    text = _INLINE_CODE.sub(_blank, text)
    matches = sorted(
        (m for pattern in (_INLINE_LINK, _REFERENCE) for m in pattern.finditer(text)),
        key=lambda m: m.start(),
    )
    return [(text.count("\n", 0, m.start()) + 1, m.group(1).strip("<>")) for m in matches]


def relative_path(target: str) -> str | None:
    """The file part of a link to a file of ours; None for other sites, e-mail and anchors."""
    if not target or target.startswith("#") or _EXTERNAL.match(target):
        return None
    return target.split("#", 1)[0].split("?", 1)[0] or None


def _ignored_by_git(paths: list[Path]) -> set[Path]:
    """Those of `paths` that git ignores (instance/, build output): a fresh clone lacks them."""
    if not paths or not (ROOT / ".git").exists():
        return set()
    try:
        result = subprocess.run(
            ["git", "check-ignore", "--stdin"],
            cwd=ROOT,
            input="\n".join(str(p.relative_to(ROOT)) for p in paths),
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:  # no git on this machine: the existence check still runs
        return set()
    return {ROOT / line for line in result.stdout.splitlines() if line}


def test_the_parser_finds_links_and_skips_code() -> None:
    text = (
        'See [the rules](docs/domain.md#masking) and ![a picture](docs/console.png "title").\n'
        "Not `[code](nowhere.md)`, nor [a site](https://example.com), nor [here](#top).\n"
        "```\n[fenced](nowhere.md)\n```\n"
        "[ref]: <docs/api.md>\n"
    )
    targets = [relative_path(target) for _line, target in link_targets(text)]
    assert [t for t in targets if t] == ["docs/domain.md", "docs/console.png", "docs/api.md"]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve_inside_the_repository(document: Path) -> None:
    broken: list[str] = []
    candidates: dict[Path, str] = {}
    for line, target in link_targets(document.read_text(encoding="utf-8")):
        path = relative_path(target)
        if path is None:
            continue
        where = f"{document.relative_to(ROOT)}:{line}: {target}"
        resolved = (document.parent / path).resolve()
        if not resolved.is_relative_to(ROOT):
            # It may exist on this machine, but a clone of the repository does not have it.
            broken.append(f"{where} (outside the repository)")
        elif not resolved.exists():
            broken.append(f"{where} (no such file)")
        else:
            candidates[resolved] = where
    for path in _ignored_by_git(list(candidates)):
        broken.append(f"{candidates[path]} (ignored by git, so not in a clone)")
    assert not broken, "links to files a clone does not have:\n" + "\n".join(sorted(broken))
