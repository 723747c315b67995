"""Copy the locked npm front-end packages into static/vendor (served by Django/whitenoise).

Run after ``npm ci``. Hospital intranets have no internet: nothing is loaded from a CDN.
"""

import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
VENDOR = ROOT / "static" / "vendor"

FILES = {
    "bootstrap/dist/css/bootstrap.min.css": "bootstrap/bootstrap.min.css",
    "bootstrap/dist/js/bootstrap.bundle.min.js": "bootstrap/bootstrap.bundle.min.js",
    "bootstrap-icons/font/bootstrap-icons.min.css": "bootstrap-icons/bootstrap-icons.min.css",
    "bootstrap-icons/font/fonts/bootstrap-icons.woff2": "bootstrap-icons/fonts/bootstrap-icons.woff2",
    "bootstrap-icons/font/fonts/bootstrap-icons.woff": "bootstrap-icons/fonts/bootstrap-icons.woff",
    "echarts/dist/echarts.min.js": "echarts/echarts.min.js",
    # /api/docs (templates/ninja/swagger.html). The CSS names its map mid-file, so the map is
    # copied too and collectstatic's manifest finds it; the bundle names none.
    "swagger-ui-dist/swagger-ui-bundle.js": "swagger-ui/swagger-ui-bundle.js",
    "swagger-ui-dist/swagger-ui.css": "swagger-ui/swagger-ui.css",
    "swagger-ui-dist/swagger-ui.css.map": "swagger-ui/swagger-ui.css.map",
    "swagger-ui-dist/LICENSE": "swagger-ui/LICENSE",
    # The offline field app (xianfeng/offline): Workbox's loader and the production builds of the
    # modules the service worker uses (workbox.setConfig points the loader at this folder), and
    # idb, the small IndexedDB wrapper, as a UMD script (global ``idb``).
    "workbox-sw/build/workbox-sw.js": "workbox/workbox-sw.js",
    "workbox-core/build/workbox-core.prod.js": "workbox/workbox-core.prod.js",
    "workbox-precaching/build/workbox-precaching.prod.js": "workbox/workbox-precaching.prod.js",
    "workbox-routing/build/workbox-routing.prod.js": "workbox/workbox-routing.prod.js",
    "workbox-strategies/build/workbox-strategies.prod.js": "workbox/workbox-strategies.prod.js",
    "workbox-expiration/build/workbox-expiration.prod.js": "workbox/workbox-expiration.prod.js",
    "workbox-sw/LICENSE": "workbox/LICENSE",
    "idb/build/umd.js": "idb/idb.umd.js",
    "idb/LICENSE": "idb/LICENSE",
}


# Minified files end with a comment naming a source map that is not vendored; with DEBUG off,
# collectstatic's manifest storage follows that reference and stops with a missing-file error.
_SOURCE_MAP = re.compile(rb"\n?(/\*# sourceMappingURL=[^*]*\*/|//# sourceMappingURL=\S*)\s*$")


def strip_source_map(path: Path) -> None:
    """Drop a trailing sourceMappingURL comment from a vendored .js/.css file."""
    if path.suffix not in {".js", ".css"}:
        return
    data = path.read_bytes()
    stripped = _SOURCE_MAP.sub(b"\n", data)
    if stripped != data:
        path.write_bytes(stripped)


def main() -> int:
    missing = [src for src in FILES if not (NODE_MODULES / src).exists()]
    if missing:
        print("Missing front-end packages; run `npm ci` first:", *missing, sep="\n  ", file=sys.stderr)
        return 1
    for src, dest in FILES.items():
        target = VENDOR / dest
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(NODE_MODULES / src, target)
        strip_source_map(target)
    print(f"vendor assets: {len(FILES)} files in {VENDOR.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
