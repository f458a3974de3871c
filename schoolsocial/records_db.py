"""The database side of protected records: triggers, installed after every
``migrate`` (and re-installed if a migration rebuilt a table, as SQLite's
schema editor does).

Each app registers its protected models in ``AppConfig.ready`` with
``protect(model, update_allowed=...)``; the core knows none of them.

PostgreSQL: a row trigger refuses UPDATE (unless the model's
``update_allowed`` condition holds) and DELETE (unless an erasure permit
exists in this transaction — ``schoolsocial.records.erasure``); a statement
trigger refuses TRUNCATE to anyone but a superuser. The application's own
role owns none of the tables, so it can neither drop nor disable them.

SQLite: a trigger refuses UPDATE the same way. Deletion is refused in the
ORM only — querysets, and a ``pre_delete`` check that every instance or
cascade delete passes — since a delete trigger would also refuse the test
runner's flush of the database between tests.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connections
from django.db.models.signals import pre_delete

PG_FUNCTIONS = """
CREATE OR REPLACE FUNCTION schoolsocial_guard_record() RETURNS trigger AS $$
BEGIN
    -- A permit exists only inside a retention run's own transaction, and
    -- names that run's opening event in the hash-chained trail.
    IF TG_OP = 'DELETE' AND EXISTS (
        SELECT 1 FROM schoolsocial_erasurepermit p
        JOIN schoolsocial_auditevent e ON e.id = p.event_id
        WHERE e.action = 'retention.run'
    ) THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE' AND TG_NARGS > 0 THEN
        -- The model's one allowed change (e.g. a consent withdrawal).
        IF schoolsocial_update_allowed(TG_ARGV[0], to_jsonb(OLD), to_jsonb(NEW)) THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'schoolsocial: % on % is not allowed (protected record)', TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION schoolsocial_guard_truncate() RETURNS trigger AS $$
BEGIN
    -- A superuser could disable the trigger anyway; the test runner empties
    -- the database between tests with TRUNCATE.
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = current_user AND rolsuper) THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'schoolsocial: TRUNCATE of % is not allowed (protected record)', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""


@dataclass(frozen=True)
class Protected:
    """A protected model. ``settable_once``: fields that may be filled in
    once, in one update that sets ``marker`` (empty — NULL or '' — before,
    set after) and changes no other column: a consent record's withdrawal,
    a screenshot's display copy made by a task after it was stored."""

    model: type
    settable_once: tuple[str, ...] = ()
    marker: str = ""

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    def _columns(self, names) -> list[str]:
        return [self.model._meta.get_field(n).column for n in names]

    def pg_condition(self) -> str:
        if not self.settable_once:
            return ""
        marker = self.model._meta.get_field(self.marker).column
        columns = ", ".join(f"'{c}'" for c in self._columns(self.settable_once))
        return (
            f"coalesce(o->>'{marker}', '') = '' AND coalesce(n->>'{marker}', '') <> '' "
            f"AND (o - ARRAY[{columns}]) = (n - ARRAY[{columns}])"
        )

    def sqlite_condition(self) -> str:
        if not self.settable_once:
            return ""
        marker = self.model._meta.get_field(self.marker).column
        once = set(self._columns(self.settable_once))
        others = [f.column for f in self.model._meta.concrete_fields if f.column not in once]
        return " AND ".join(
            [f"coalesce(OLD.{marker}, '') = ''", f"coalesce(NEW.{marker}, '') <> ''"]
            + [f"NEW.{c} IS OLD.{c}" for c in others]
        )


PROTECTED: dict[str, Protected] = {}


def protect(model, *, settable_once: tuple[str, ...] = (), marker: str = "") -> None:
    PROTECTED[model._meta.label_lower] = Protected(model, tuple(settable_once), marker)
    # Every ORM delete of a protected row — an instance's, a queryset's or a
    # cascade's — passes here, on every database.
    pre_delete.connect(
        refuse_delete, sender=model, dispatch_uid=f"protected-{model._meta.label_lower}"
    )


def refuse_delete(sender, instance, **kwargs) -> None:
    from schoolsocial.records import RecordProtected, erasing

    if not erasing():
        raise RecordProtected(
            f"{sender._meta.verbose_name_plural} cannot be deleted, except by retention or erasure."
        )


def protected_models() -> list[type]:
    return [p.model for p in PROTECTED.values()]


def _pg_rules_function() -> str:
    branches = "\n".join(
        f"    IF rule = '{p.table}' THEN RETURN ({p.pg_condition()}); END IF;"
        for p in sorted(PROTECTED.values(), key=lambda p: p.table)
        if p.settable_once
    )
    return f"""
CREATE OR REPLACE FUNCTION schoolsocial_update_allowed(rule text, o jsonb, n jsonb)
RETURNS boolean AS $$
BEGIN
{branches}
    RETURN false;
END;
$$ LANGUAGE plpgsql IMMUTABLE;
"""


def trigger_sql(vendor: str, tables: set[str]) -> list[str]:
    statements: list[str] = []
    if vendor == "postgresql":
        statements += [_pg_rules_function(), PG_FUNCTIONS]
    for item in sorted(PROTECTED.values(), key=lambda p: p.table):
        table = item.table
        if table not in tables:
            continue
        name = f"schoolsocial_guard_{table}"
        if vendor == "postgresql":
            argument = f"'{table}'" if item.settable_once else ""
            statements += [
                f"CREATE OR REPLACE TRIGGER {name}_row BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION schoolsocial_guard_record({argument})",
                f"CREATE OR REPLACE TRIGGER {name}_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION schoolsocial_guard_truncate()",
            ]
        elif vendor == "sqlite":
            condition = item.sqlite_condition()
            when = f" WHEN NOT ({condition})" if condition else ""
            statements += [
                f"DROP TRIGGER IF EXISTS {name}_row",
                f"CREATE TRIGGER {name}_row BEFORE UPDATE ON {table}{when} BEGIN "
                f"SELECT RAISE(ABORT, 'schoolsocial: UPDATE on {table} is not allowed "
                "(protected record)'); END",
            ]
    return statements


def install_guards(using: str = "default") -> None:
    connection = connections[using]
    if connection.vendor not in {"postgresql", "sqlite"}:
        return
    tables = set(connection.introspection.table_names())
    if "schoolsocial_erasurepermit" not in tables:
        return  # migrated back below the permit: nothing to guard with
    with connection.cursor() as cursor:
        for statement in trigger_sql(connection.vendor, tables):
            cursor.execute(statement)


def install_guards_after_migrate(sender, using="default", **kwargs) -> None:
    install_guards(using)
