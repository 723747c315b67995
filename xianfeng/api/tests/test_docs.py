"""/api/docs is served entirely from local files: the CSP (script-src 'self') stays strict."""

import re

from django.contrib.staticfiles import finders


def test_docs_reference_only_local_static_files(client, world):
    client.force_login(world.owner)
    response = client.get("/api/docs")
    html = response.content.decode()
    assert response.status_code == 200
    urls = [u for u in re.findall(r'(?:src|href)="([^"]+)"', html) if u != "data:,"]  # data:, = no favicon
    assert urls and all(url.startswith("/static/") for url in urls), urls
    assert "cdn" not in html.lower() and "<script>" not in html  # no inline script for the CSP to block
    for url in urls:
        assert finders.find(url.removeprefix("/static/")), f"{url} is not vendored (run scripts/vendor_assets.py)"
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "unsafe" not in response["Content-Security-Policy"].split("script-src")[1].split(";")[0]
