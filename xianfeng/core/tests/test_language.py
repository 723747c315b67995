"""Simplified Chinese by default; English when the user switches."""

import gettext
import re
from pathlib import Path

from django.conf import settings
from django.urls import reverse

PO = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"


def test_chinese_is_the_default_even_for_an_english_browser(world, login):
    page = login(world.owner).get(reverse("orgs:list"), HTTP_ACCEPT_LANGUAGE="en-US,en").content.decode()
    assert "组织架构" in page and 'lang="zh-hans"' in page


def test_switching_to_english_translates_the_interface(world, login):
    client = login(world.owner)
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("orgs:list")})
    assert response.status_code == 302
    page = client.get(reverse("orgs:list")).content.decode()
    assert 'lang="en"' in page and "Organizations" in page and "组织架构" not in page


def test_every_message_has_an_english_translation_and_the_catalog_is_compiled():
    text = PO.read_text(encoding="utf-8")
    entries = text.split("\n\n")[1:]
    untranslated = [e for e in entries if re.search(r'^msgstr ""\n?$', e.strip().split("\n")[-1] + "\n", re.M)]
    fuzzy = [e for e in entries if "#, fuzzy" in e]
    assert not untranslated and not fuzzy
    with (PO.parent / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    assert len(compiled._catalog) - 1 >= len(entries)  # the .mo is not older than the .po
