"""Vendored front-end files must not reference files that are not vendored: with DEBUG off,
collectstatic's manifest storage follows every url()/sourceMappingURL and stops the
production build with a missing-file error (issue 8)."""

import re
from pathlib import Path

from django.conf import settings

SOURCE_MAP = re.compile(r"[#@] sourceMappingURL=([^\s*]+)")


def test_every_source_map_a_vendored_file_names_is_vendored_too():
    vendor = Path(settings.BASE_DIR) / "static" / "vendor"
    files = [p for p in vendor.rglob("*") if p.suffix in {".js", ".css"}]
    assert files, "run `npm ci && python scripts/vendor_assets.py` first"
    missing = [
        f"{path.relative_to(vendor)} -> {name}"
        for path in files
        for name in SOURCE_MAP.findall(path.read_text(encoding="utf-8", errors="replace"))
        if not name.startswith("data:") and not (path.parent / name).exists()
    ]
    assert not missing
