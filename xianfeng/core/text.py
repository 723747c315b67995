"""Chinese text helpers: one normal form for names and places, and pinyin initials.

Names arrive in Traditional characters, with full-width digits and stray spaces; we
compare and search on one normal form so that 陳大文, 陈大文 and "陈 大文" are the same.
"""

import re
import unicodedata
from functools import lru_cache

import opencc
from pypinyin import Style, lazy_pinyin
from pypinyin.constants import PHRASES_DICT

_WHITESPACE = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_halfwidth(text: str) -> str:
    """Full-width letters, digits and punctuation to ASCII (NFKC), ideographic space to space."""
    if text.isascii():  # NFKC leaves ASCII unchanged; skipping it halves import parsing time
        return text
    return unicodedata.normalize("NFKC", text)


def to_simplified(text: str) -> str:
    return _t2s().convert(text)


def normalize_text(text: str | None) -> str:
    """The comparable form: half-width, Simplified, lower-case, trimmed, inner spaces collapsed."""
    if not text:
        return ""
    text = to_simplified(to_halfwidth(str(text)))
    return _settle(_WHITESPACE.sub(" ", text).strip().lower(), lambda t: _WHITESPACE.sub(" ", t).strip())


def normalize_name(text: str | None) -> str:
    """Person names: as normalize_text, and no spaces at all (陈 大文 == 陈大文)."""
    return _settle(normalize_text(text).replace(" ", ""), lambda t: t.replace(" ", ""))


def _settle(text: str, tidy) -> str:
    # Removing spaces can leave combining marks that NFKC reorders or expands into new
    # spaces (found by a property test); repeat until the text is stable.
    for _ in range(3):
        if unicodedata.is_normalized("NFKC", text):
            return text
        text = tidy(unicodedata.normalize("NFKC", text))
    return text


def pinyin_initials(text: str | None) -> str:
    """张三 -> 'zs'; letters and digits kept; other characters dropped."""
    return initials_of_normalized(normalize_name(text))


@lru_cache(maxsize=65536)
def initials_of_normalized(name: str) -> str:
    """Initials of a name already in normal form. Cached: imports see the same names often.

    A run of Chinese characters none of whose substrings is one of pypinyin's phrases is
    read character by character, so its initials are the (cached) initials of each character;
    anything else goes through pypinyin's phrase segmentation.
    """
    if not name:
        return ""
    if _ALL_HAN.match(name) and not _has_phrase(name):
        return "".join(_char_initial(char) for char in name)
    parts = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")
    return "".join(p for p in parts if p.isalnum()).lower()


_ALL_HAN = re.compile(r"^[\u4e00-\u9fff]+$")


@lru_cache(maxsize=8192)
def _char_initial(char: str) -> str:
    initial = lazy_pinyin(char, style=Style.FIRST_LETTER, errors="default")[0]
    return initial.lower() if initial.isalnum() else ""


def _has_phrase(text: str) -> bool:
    return any(text[start:end] in PHRASES_DICT for start in range(len(text)) for end in range(start + 2, len(text) + 1))


def looks_like_initials(query: str) -> bool:
    q = query.strip()
    return bool(q) and q.isascii() and q.isalpha()
