"""Background work of the reports app (exports, report generation) with progress."""
