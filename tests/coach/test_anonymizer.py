"""The anonymizer on a labelled set of Russian messages (bench/anonymizer.py prints the details)."""

from bench.anonymizer import evaluate
from coach.anonymizer import PLACEHOLDERS, anonymize


def test_recall_on_the_labelled_set_is_at_least_98_percent():
    result = evaluate()
    assert result["messages"] >= 150
    assert result["recall_overall"] >= 0.98, result["misses"]
    assert all(recall >= 0.9 for recall in result["recall"].values()), result["recall"]
    assert set(result["recall"]) == set(PLACEHOLDERS)


def test_ordinary_supportive_messages_are_left_as_they_are():
    result = evaluate()
    assert result["false_positive_rate"] <= 0.05, result["false_positives"]


def test_names_in_every_case_form_become_a_placeholder():
    for text in ("Олег ушёл", "нет Олега", "скажи Олегу", "с Олегом", "об Олеге"):
        assert "Олег" not in anonymize(text)
        assert "[имя]" in anonymize(text)


def test_mixed_message_keeps_its_meaning_and_loses_every_detail():
    out = anonymize("Я Маша, звони +7 916 123-45-67, пиши maria@mail.ru или @masha_x, живу на ул. Ленина, 5")
    assert out.startswith("Я [имя], звони [телефон]")
    for detail in ("Маша", "916", "maria", "masha_x", "Ленина"):
        assert detail not in out
