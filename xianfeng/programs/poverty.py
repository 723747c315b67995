"""Program module: poverty (issue 10)."""
