"""A small reader for the project's gettext catalogue (locale/cy/LC_MESSAGES/
django.po): each entry's msgid (and plural), its translations and whether it
is fuzzy. Enough for the tests; the catalogue itself is made by
``makemessages`` and compiled by ``compilemessages``."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

CATALOGUE = Path(__file__).resolve().parents[2] / "locale" / "cy" / "LC_MESSAGES" / "django.po"


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str = ""
    msgstr: dict[int, str] = field(default_factory=dict)
    fuzzy: bool = False
    obsolete: bool = False

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr.values()) and not self.fuzzy


def read(path: Path = CATALOGUE) -> list[Entry]:
    entries: list[Entry] = []
    entry = Entry()
    target: tuple[str, int] | None = None

    def finish():
        nonlocal entry, target
        if entry.msgid or entry.msgstr:
            entries.append(entry)
        entry, target = Entry(), None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            entry.obsolete = True
            continue
        if line.startswith("#,") and "fuzzy" in line:
            entry.fuzzy = True
            continue
        if line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            value = ast.literal_eval(line)
        else:
            value = ast.literal_eval(rest)
            if keyword == "msgid":
                target = ("msgid", 0)
            elif keyword == "msgid_plural":
                target = ("msgid_plural", 0)
            elif keyword == "msgstr":
                target = ("msgstr", 0)
                entry.msgstr.setdefault(0, "")
            elif keyword.startswith("msgstr["):
                target = ("msgstr", int(keyword[7:-1]))
                entry.msgstr.setdefault(target[1], "")
            else:
                target = None
                continue
        if target is None:
            continue
        name, index = target
        if name == "msgstr":
            entry.msgstr[index] += value
        else:
            setattr(entry, name, getattr(entry, name) + value)
    finish()
    return [e for e in entries if e.msgid and not e.obsolete]
