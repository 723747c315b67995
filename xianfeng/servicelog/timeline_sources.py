"""Service records and activities on the resident and household timelines (filled in below)."""
