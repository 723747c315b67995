"""Program module: elderly (issue 10)."""
