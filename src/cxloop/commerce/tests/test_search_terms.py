"""Folding and the words a customer is found by."""

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxloop.commerce import search_terms
from cxloop.commerce.search_terms import MAX_TERM, build_terms, fold, query_words


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Żółkiewski", "zolkiewski"),
        ("ŁUKASZ Śliwiński", "lukasz sliwinski"),
        ("Bērziņa", "berzina"),
        ("Ķēniņš Ģirts Ļaudis Ūdris Īvāns Čaks Žagars", "kenins girts laudis udris ivans caks zagars"),
        ("Straße", "strasse"),
        ("Søren Ærø Đorđe Œuvre Þór", "soren aero dorde oeuvre thor"),
        ("İstanbul", "istanbul"),
        ("Ｗｅｉ", "wei"),
    ],
)
def test_latin_letters_fold_to_their_plain_letters(text, folded):
    assert fold(text) == folded


def test_arabic_yeh_and_kaf_fold_to_the_persian_letters_and_tatweel_goes():
    assert fold("كريمي") == fold("کریمی") == "کریمی"
    assert fold("مـحـمـد") == "محمد"


def test_persian_digits_fold_to_ascii_digits():
    assert fold("علی۱۳۹۹") == "علی1399"


@pytest.mark.parametrize("text", ["王秀英", "李", "ガブリエル", "김민준"])
def test_chinese_japanese_and_korean_names_are_unchanged(text):
    assert fold(text) == text


def test_a_name_gives_each_word_and_a_hyphenated_name_also_whole():
    assert build_terms("Anna-Maria", "O'Brien", "") == {"anna", "maria", "annamaria", "o", "brien", "obrien"}


def test_an_email_gives_each_word_of_its_local_part_but_not_its_domain():
    assert build_terms("", "", "M.Szczesna_PL-7+shop@example.pl") == {"m", "szczesna", "pl", "7", "shop"}


def test_a_persian_name_joined_by_zwnj_gives_each_part_and_the_whole():
    assert build_terms("علی\u200cرضا", "", "") == {"علی", "رضا", "علیرضا"}


def test_a_chinese_name_is_also_a_term_family_name_first():
    assert build_terms("秀英", "王", "") == {"秀英", "王", "王秀英"}
    assert build_terms("Anna", "Nowak", "") == {"anna", "nowak"}


def test_a_search_is_split_into_folded_words_once_each():
    assert query_words("  Bērz, mā.  BERZ ") == ["berz", "ma"]
    assert query_words("@#") == []


@given(st.text())
def test_folding_is_idempotent_and_leaves_no_combining_mark(text):
    folded = fold(text)
    assert fold(folded) == folded
    assert not any(unicodedata.combining(c) for c in folded)


@given(st.text(), st.text(), st.text())
def test_terms_are_folded_words_of_bounded_length(first, last, email):
    for term in build_terms(first, last, email):
        assert 0 < len(term) <= MAX_TERM
        assert fold(term) == term


def _fold_char_by_char(text: str) -> str:
    """`fold` as first written, a character at a time: the reference for its translate tables."""

    def once(text: str) -> str:
        text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
        text = "".join(
            c
            for c in text.translate(search_terms.LETTERS)
            if (
                c in search_terms.KANA_MARKS
                if unicodedata.combining(c)
                else c == search_terms.ZWNJ or unicodedata.category(c) != "Cf"
            )
        )
        return "".join(c for c in unicodedata.normalize("NFC", text) if not unicodedata.combining(c))

    for _ in range(3):
        folded = once(text)
        if folded == text:
            break
        text = folded
    return folded


@given(st.text(max_size=60) | st.text(st.characters(codec="ascii"), max_size=60))
def test_fold_by_tables_equals_fold_a_character_at_a_time(text):
    assert search_terms.fold(text) == _fold_char_by_char(text)


@pytest.mark.parametrize(
    "text",
    [
        "Żółkiewski",
        "Bērziņa",
        "مي‌خواهم كفش ۴۲",
        "ガギグ パピプ",
        "Straße ÆØ",
        "a\u200bb\u200dc\ufeffd",
        "e\u0301\u0327",
        "HELLO World",
    ],
)
def test_fold_by_tables_equals_fold_a_character_at_a_time_for_each_script(text):
    assert search_terms.fold(text) == _fold_char_by_char(text)
