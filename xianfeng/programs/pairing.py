"""Program module: pairing (issue 10)."""
