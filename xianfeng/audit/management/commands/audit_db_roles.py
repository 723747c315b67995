"""Print, apply or check the PostgreSQL privileges of the application role on the audit tables."""

from argparse import RawDescriptionHelpFormatter

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from xianfeng.audit import dbroles

HELP = """PostgreSQL privileges that keep the application role from rewriting the audit trail.

The application role gets SELECT and INSERT only on audit_changelog, audit_accesslog,
audit_loginlog and audit_auditarchive (no UPDATE, DELETE, TRUNCATE; it owns no table, so it cannot
disable their triggers), SELECT/INSERT/UPDATE on audit_chainhead, every right on the other tables,
and EXECUTE on xianfeng_audit_archive_delete(bigint): the SECURITY DEFINER function (owned by the
owner role) through which the retention run deletes archived rows older than 183 days, and only those.

  manage.py audit_db_roles --app-role xianfeng_app                 print the statements
  manage.py audit_db_roles --app-role xianfeng_app --apply         run them (as the owner)
  manage.py audit_db_roles --app-role xianfeng_app --check         exit 1 if the role could tamper

Run --apply after every migrate (new tables get no rights by default), connected as the
owner role or a superuser. --owner-role NAME also hands every table to that role first.
"""


class Command(BaseCommand):
    help = HELP

    def create_parser(self, *args, **kwargs):
        parser = super().create_parser(*args, **kwargs)
        parser.formatter_class = RawDescriptionHelpFormatter
        return parser

    def add_arguments(self, parser):
        parser.add_argument("--app-role", required=True, help="the role the web and worker processes log in as")
        parser.add_argument("--owner-role", help="make this role the owner of every table first")
        parser.add_argument("--apply", action="store_true", help="execute the statements")
        parser.add_argument("--check", action="store_true", help="verify the app role cannot tamper; exit 1 if it can")

    def handle(self, *args, app_role: str, owner_role: str | None, apply: bool, check: bool, **options):
        if connection.vendor != "postgresql":
            raise CommandError("audit_db_roles is for PostgreSQL; SQLite has no roles (its triggers refuse UPDATE).")
        try:
            statements = dbroles.grant_statements(app_role=app_role, owner_role=owner_role)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if apply:
            with transaction.atomic(), connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
            self.stdout.write(f"applied {len(statements)} statements for {app_role}")
        elif not check:
            self.stdout.write("\n".join(statements))
        if check or apply:
            problems = dbroles.check_app_role(app_role)
            for problem in problems:
                self.stdout.write(f"PROBLEM: {problem}")
            if problems:
                raise CommandError(f"{app_role} can tamper with the audit tables", returncode=1)
            tables = ", ".join((*dbroles.AUDIT_TABLES, dbroles.ARCHIVE_TABLE))
            self.stdout.write(
                f"{app_role}: SELECT and INSERT only on {tables}; deletes archived rows only through "
                f"{dbroles.ARCHIVE_FUNCTION}"
            )
