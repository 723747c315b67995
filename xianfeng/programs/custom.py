"""Program module: custom (issue 10)."""
