import pytest

from accounts import validators


@pytest.mark.parametrize(
    "name", ["Ёжик", "Тихий лис", "Анна-Мария", "Лис 42", "Mr. Fox", "O'Neil", "Страх уйдёт"]
)
def test_ordinary_pseudonyms_are_accepted(name):
    assert validators.clean_pseudonym(f"  {name} ") == name


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("Я", "too_short"),
        ("x" * 25, "too_long"),
        ("anna@mail.ru", "email"),
        ("@anna_k", "handle"),
        ("t.me/anna", "link"),
        ("https://vk.com", "link"),
        ("anna.ru", "link"),
        ("8 (999) 123-45-67", "phone"),
        ("Лис 12345", "phone"),
        ("Лис <b>", "symbols"),
        ("Сука", "profanity"),
        ("х у й", "profanity"),
        ("х.у.й", "profanity"),
        ("xyйня", "profanity"),
        ("бл*дь", "symbols"),
    ],
)
def test_a_pseudonym_that_could_identify_or_hurt_is_refused_with_a_reason(raw, reason):
    with pytest.raises(validators.InvalidInput) as refused:
        validators.clean_pseudonym(raw)
    assert refused.value.reason == reason


@pytest.mark.parametrize(
    ("raw", "zone"),
    [
        ("Europe/Moscow", "Europe/Moscow"),
        ("europe/moscow", "Europe/Moscow"),
        ("America/New York", "America/New_York"),
        ("UTC+3", "Etc/GMT-3"),
        ("utc -5", "Etc/GMT+5"),
        ("+7", "Etc/GMT-7"),
        ("GMT+05:00", "Etc/GMT-5"),
        ("UTC", "Etc/UTC"),
        ("UTC+0", "Etc/UTC"),
        ("МСК", "Europe/Moscow"),
        ("МСК+4", "Etc/GMT-7"),
        ("мск-1", "Etc/GMT-2"),
        ("Новосибирск", "Asia/Novosibirsk"),
        ("алматы", "Asia/Tashkent"),
    ],
)
def test_a_typed_timezone_is_understood(raw, zone):
    assert validators.clean_timezone(raw) == zone


@pytest.mark.parametrize("raw", ["Марс/Олимп", "UTC+15", "МСК+12", "", "завтра"])
def test_an_unknown_timezone_is_refused(raw):
    with pytest.raises(validators.InvalidInput):
        validators.clean_timezone(raw)


def test_a_bio_keeps_to_300_characters_without_contacts():
    assert validators.clean_bio("  Выгорел на работе, ищу тех, кто понял, как выйти.  ").startswith("Выгорел")
    with pytest.raises(validators.InvalidInput, match="bio_too_long"):
        validators.clean_bio("а" * 301)
    for contact in ("пишите @anna_k", "+7 999 123 45 67", "me@mail.ru", "https://t.me/x"):
        with pytest.raises(validators.InvalidInput, match="bio_contacts"):
            validators.clean_bio(contact)
