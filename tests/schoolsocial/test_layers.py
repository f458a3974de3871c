"""The core is the bottom layer: it imports no app above it, and its
background modules import each other in one direction only
(tasks → reminders → notifications)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[2] / "schoolsocial"


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_the_core_imports_no_app_above_it():
    offenders = {
        path.name: sorted(m for m in _imports(path) if m.split(".")[0] in {"consent", "moderation"})
        for path in CORE.rglob("*.py")
        if "migrations" not in path.parts
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_tasks_reminders_and_notifications_import_in_one_direction():
    def uses(name: str) -> set[str]:
        return {
            m.split(".")[1]
            for m in _imports(CORE / f"{name}.py")
            if m.startswith("schoolsocial.")
            and m.split(".")[1] in {"tasks", "reminders", "notifications"}
        }

    assert uses("notifications") == set()
    assert uses("reminders") == {"notifications"}
    assert uses("tasks") <= {"notifications", "reminders"}


def test_the_embedded_broker_keeps_its_exchange_table_under_var(settings):
    if settings.REDIS_URL:
        pytest.skip("Redis is the broker: the filesystem transport is not used")
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    assert Path(options["control_folder"]).is_relative_to(settings.VAR_DIR)
