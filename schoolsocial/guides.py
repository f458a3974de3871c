"""The short guide for each role (docs/help/<role>.md), shown in the app.

The guides are the project's own files, written in a small part of Markdown:
``#``/``##`` headings, paragraphs, ``-`` and ``1.`` lists, ``**bold**``.
Everything is escaped first, so nothing in a guide can add markup.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

GUIDES = Path(settings.BASE_DIR) / "docs" / "help"
ROLE_ORDER = ("head", "slt", "admin", "office")


def _inline(text: str) -> str:
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", escape(text))


@lru_cache(maxsize=16)
def _render(path: Path) -> tuple[str, SafeString]:
    html: list[str] = []
    title = ""
    paragraph: list[str] = []
    list_tag = ""

    def close_paragraph():
        if paragraph:
            html.append(f"<p>{_inline(' '.join(paragraph))}</p>")
            paragraph.clear()

    def close_list():
        nonlocal list_tag
        if list_tag:
            html.append(f"</{list_tag}>")
            list_tag = ""

    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        item = re.match(r"^(-|\d+\.)\s+(.*)$", stripped)
        if not stripped:
            close_paragraph()
            close_list()
        elif stripped.startswith("# "):
            close_paragraph()
            close_list()
            title = stripped[2:].strip()
        elif stripped.startswith("## "):
            close_paragraph()
            close_list()
            html.append(f"<h3>{_inline(stripped[3:])}</h3>")
        elif item:
            close_paragraph()
            tag = "ul" if item.group(1) == "-" else "ol"
            if list_tag != tag:
                close_list()
                html.append(f"<{tag}>")
                list_tag = tag
            html.append(f"<li>{_inline(item.group(2))}</li>")
        else:
            close_list()
            paragraph.append(stripped)
    close_paragraph()
    close_list()
    return title, mark_safe("\n".join(html))  # noqa: S308 — escaped above


def guide_path(role: str, language: str = "en") -> Path | None:
    """docs/help/<language>/<role>.md when there is one (e.g. ``cy``), else
    the English docs/help/<role>.md."""
    candidates = [GUIDES / f"{role}.md"]
    if language != "en":
        candidates.insert(0, GUIDES / language / f"{role}.md")
    return next((c for c in candidates if c.is_file()), None)


def guides_for(roles, language: str = "en") -> list[dict]:
    """The guide for each of these roles, in the order head, SLT, admin, office."""
    found = []
    for role in ROLE_ORDER:
        if role not in roles:
            continue
        path = guide_path(role, language)
        if path is None:
            continue
        title, body = _render(path)
        found.append({"role": role, "title": title, "body": body})
    return found
