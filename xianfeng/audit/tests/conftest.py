from django.conf import settings

# The database-role and concurrency tests need PostgreSQL (roles, row locks, TRUNCATE
# triggers). On SQLite they are not collected at all, rather than reported as skipped; the
# SQLite protection (its UPDATE trigger) is asserted on both databases by
# test_chain.py::test_the_database_refuses_a_raw_update_of_a_log_row.
ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
collect_ignore = [] if ON_POSTGRESQL else ["test_postgresql.py", "test_postgresql_retention.py"]
