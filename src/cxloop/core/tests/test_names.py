"""Names people read: a person's full name in their own script's order, languages and countries by name."""

from django.utils import translation

from cxloop.core.names import country_name, language_name, person_name


def test_cjk_names_put_the_family_name_first_with_no_space():
    assert person_name("伟", "王") == "王伟"
    assert person_name("太郎", "山田") == "山田太郎"
    assert person_name("민준", "김") == "김민준"


def test_a_name_with_cjk_in_either_part_is_written_family_first():
    assert person_name("Wei", "王") == "王Wei"


def test_other_names_are_first_then_last_with_a_space():
    assert person_name("Anna", "Kowalska") == "Anna Kowalska"
    assert person_name("زهرا", "رضایی") == "زهرا رضایی"


def test_either_part_alone_is_the_whole_name():
    assert person_name("", "王") == "王"
    assert person_name("Anna", "") == "Anna"
    assert person_name("", "") == ""


def test_languages_are_named_in_the_readers_language_whatever_the_codes_spelling():
    with translation.override("en"):
        assert [language_name(code) for code in ("en", "zh-hans", "en_US", "PL")] == [
            "English", "Simplified Chinese", "English", "Polish",
        ]  # fmt: skip
    with translation.override("pl"):
        assert language_name("en") == "angielski"


def test_countries_are_named_in_the_readers_language():
    with translation.override("en"):
        assert country_name("US") == "United States"
        assert country_name("cn") == "China"
    with translation.override("zh-hans"):
        assert country_name("US") == "美国"


def test_unknown_and_empty_codes_are_shown_as_stored():
    with translation.override("en"):
        assert language_name("xx-unknown") == "xx-unknown"
        assert country_name("XQ") == "XQ"
        assert language_name("") == "" and country_name("") == ""
