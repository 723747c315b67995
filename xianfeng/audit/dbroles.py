"""PostgreSQL privileges that keep the application from rewriting its own audit trail.

Two roles (README, 生产部署 → 数据库角色):
- an owner role that owns every table and runs ``manage.py migrate`` (it alone could disable
  a trigger: ALTER TABLE … DISABLE TRIGGER needs ownership);
- the application role the web and worker processes log in as: SELECT and INSERT only on the
  audit tables and their archive records, SELECT/INSERT/UPDATE on the chain heads, every right on
  the other tables. It owns nothing, is not a member of the owner role and is not a superuser.
  It deletes archived log rows only through ``xianfeng_audit_archive_delete`` (migration 0007), a
  SECURITY DEFINER function owned by the owner role: EXECUTE granted to it alone.
"""

import re

from django.db import connection

from .models import AccessLog, AuditArchive, ChainHead, ChangeLog, LoginLog

AUDIT_TABLES = tuple(m._meta.db_table for m in (ChangeLog, AccessLog, LoginLog))
ARCHIVE_TABLE = AuditArchive._meta.db_table
HEAD_TABLE = ChainHead._meta.db_table
ARCHIVE_FUNCTION = "xianfeng_audit_archive_delete(bigint)"
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_$]{0,62}$")
REFUSED_ON_AUDIT = ("UPDATE", "DELETE", "TRUNCATE", "TRIGGER", "REFERENCES")


def _role(name: str) -> str:
    if not ROLE_NAME.match(name):
        raise ValueError(f"not a plain PostgreSQL role name: {name!r}")
    return connection.ops.quote_name(name)


def _sequences(tables) -> list[tuple[str, str]]:
    """(table, sequence) for the id sequences of ``tables`` (serial or identity columns)."""
    found = []
    with connection.cursor() as cursor:
        for table in tables:
            for seq in connection.introspection.get_sequences(cursor, table):
                found.append((table, seq["name"]))
    return found


def grant_statements(*, app_role: str, owner_role: str | None = None) -> list[str]:
    """The statements to run (as a superuser or the tables' owner) after every migrate."""
    app = _role(app_role)
    quote = connection.ops.quote_name
    tables = sorted(connection.introspection.table_names(include_views=False))
    append_only = set(AUDIT_TABLES) | {ARCHIVE_TABLE}
    protected = append_only | {HEAD_TABLE}
    statements = [f"GRANT USAGE ON SCHEMA public TO {app};"]
    if owner_role:
        owner = _role(owner_role)
        statements += [f"ALTER TABLE {quote(t)} OWNER TO {owner};" for t in tables]
    for table in tables:
        statements.append(f"REVOKE ALL ON TABLE {quote(table)} FROM PUBLIC, {app};")
        if table in append_only:
            statements.append(f"GRANT SELECT, INSERT ON TABLE {quote(table)} TO {app};")
        elif table == HEAD_TABLE:
            statements.append(f"GRANT SELECT, INSERT, UPDATE ON TABLE {quote(table)} TO {app};")
        else:
            statements.append(f"GRANT ALL PRIVILEGES ON TABLE {quote(table)} TO {app};")
    for table, sequence in _sequences(tables):
        rights = "USAGE" if table in protected else "USAGE, SELECT, UPDATE"
        statements.append(f"GRANT {rights} ON SEQUENCE {quote(sequence)} TO {app};")
    if _archive_function_exists():
        if owner_role:
            statements.append(f"ALTER FUNCTION {ARCHIVE_FUNCTION} OWNER TO {_role(owner_role)};")
        statements.append(f"REVOKE ALL ON FUNCTION {ARCHIVE_FUNCTION} FROM PUBLIC;")
        statements.append(f"GRANT EXECUTE ON FUNCTION {ARCHIVE_FUNCTION} TO {app};")
    return statements


def _archive_function_exists() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regprocedure(%s) IS NOT NULL", [ARCHIVE_FUNCTION])
        return cursor.fetchone()[0]


def _check_archive_function(cursor, app_role: str) -> list[str]:
    cursor.execute(
        "SELECT p.prosecdef, pg_has_role(%s, p.proowner, 'MEMBER'), has_function_privilege(%s, p.oid, 'EXECUTE') "
        "FROM pg_proc p WHERE p.oid = to_regprocedure(%s)",
        [app_role, app_role, ARCHIVE_FUNCTION],
    )
    row = cursor.fetchone()
    if row is None:
        return [f"function {ARCHIVE_FUNCTION} does not exist (run migrate first)"]
    definer, owns, executes = row
    problems = []
    if not definer:
        problems.append(f"{ARCHIVE_FUNCTION} is not SECURITY DEFINER")
    if owns:
        problems.append(f"{app_role} owns {ARCHIVE_FUNCTION} (or is a member of its owner): it could redefine it")
    if not executes:
        problems.append(f"{app_role} lacks EXECUTE on {ARCHIVE_FUNCTION}: the application cannot archive")
    return problems


def check_app_role(app_role: str) -> list[str]:
    """What lets ``app_role`` rewrite or empty the audit tables (empty list: nothing)."""
    problems = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", [app_role])
        row = cursor.fetchone()
        if row is None:
            return [f"role {app_role} does not exist"]
        if row[0]:
            problems.append(f"{app_role} is a superuser")
        for table in (*AUDIT_TABLES, ARCHIVE_TABLE):
            cursor.execute(
                "SELECT pg_has_role(%s, c.relowner, 'MEMBER') FROM pg_class c WHERE c.oid = to_regclass(%s)",
                [app_role, table],
            )
            owned = cursor.fetchone()
            if owned is None:
                problems.append(f"table {table} does not exist (run migrate first)")
                continue
            if owned[0]:
                problems.append(f"{app_role} owns {table} (or is a member of its owner): it could disable its triggers")
            for privilege in REFUSED_ON_AUDIT:
                cursor.execute("SELECT has_table_privilege(%s, %s, %s)", [app_role, table, privilege])
                if cursor.fetchone()[0]:
                    problems.append(f"{app_role} has {privilege} on {table}")
            for privilege in ("SELECT", "INSERT"):
                cursor.execute("SELECT has_table_privilege(%s, %s, %s)", [app_role, table, privilege])
                if not cursor.fetchone()[0]:
                    problems.append(f"{app_role} lacks {privilege} on {table}: the application cannot log")
        problems += _check_archive_function(cursor, app_role)
    return problems
