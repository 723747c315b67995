from hypothesis import given
from hypothesis import strategies as st

from xianfeng.core.text import looks_like_initials, normalize_name, normalize_text, pinyin_initials


def test_traditional_and_simplified_names_compare_equal():
    assert normalize_name("陳大文") == normalize_name("陈大文") == "陈大文"
    assert normalize_name(" 陈 大文 ") == "陈大文"


def test_full_width_digits_and_letters_become_ascii():
    assert normalize_text("１２３ＡＢＣ") == "123abc"
    assert normalize_text("东港市\u3000孤山镇") == "东港市 孤山镇"


def test_pinyin_initials():
    assert pinyin_initials("张三") == "zs"
    assert pinyin_initials("陳大文") == "cdw"
    assert looks_like_initials("cdw") and not looks_like_initials("陈")


@given(st.text(max_size=50))
def test_normalization_is_idempotent(text):
    once = normalize_text(text)
    assert normalize_text(once) == once
    assert normalize_name(normalize_name(text)) == normalize_name(text)


@given(st.text(max_size=30))
def test_initials_are_lowercase_alphanumerics(text):
    initials = pinyin_initials(text)
    assert initials == initials.lower()
    assert all(ch.isalnum() for ch in initials)


HAN = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
HETERONYMS_AND_PHRASES = st.sampled_from("陈陳大文长春朝阳重庆曾国藩单解乐行银会张三李四a1 -")


@given(st.text(alphabet=st.one_of(HAN, HETERONYMS_AND_PHRASES), min_size=1, max_size=6))
def test_fast_initials_match_pypinyin_phrase_segmentation(name):
    """The per-character shortcut gives what pypinyin's phrase segmentation gives."""
    from pypinyin import Style, lazy_pinyin

    parts = lazy_pinyin(normalize_name(name), style=Style.FIRST_LETTER, errors="default")
    assert pinyin_initials(name) == "".join(p for p in parts if p.isalnum()).lower()
