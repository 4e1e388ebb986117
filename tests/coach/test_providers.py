"""Hint providers: the offline Russian rules and the OpenAI-compatible API with its fallback."""

import json
import re

import pytest

from coach.providers import (
    MEDICAL_OR_LEGAL,
    Line,
    OfflineProvider,
    OpenAIProvider,
    catalog,
    detect,
    phrase_adopted,
)
from moderation.detector.personal import PLACEHOLDER_RE
from tests.coach.fake_llm import FakeLLM

NOW = 1_000_000.0


def talk(*lines, gap=30.0):
    """Lines as (mine, text); the last one is NOW."""
    start = NOW - gap * (len(lines) - 1)
    return [Line(mine=mine, text=text, at=start + i * gap) for i, (mine, text) in enumerate(lines)]


@pytest.fixture(scope="module")
def llm():
    server = FakeLLM().start()
    yield server
    server.stop()


@pytest.fixture
def fake_llm(llm):
    llm.mode, llm.requests = "ok", []
    llm.content = json.dumps(
        {"advice": "Отразите чувства собеседника.", "phrase": "Похоже, тебе очень одиноко сейчас."},
        ensure_ascii=False,
    )
    return llm


def provider(llm, timeout=0.5):
    return OpenAIProvider(base_url=llm.base_url, api_key="test-key", model="test-model", timeout=timeout)


def test_every_offline_template_is_free_of_medical_legal_advice_and_placeholders():
    hints = catalog()
    assert set(hints) == {"crisis", "pain", "unanswered", "advice", "silence", "no_questions"}
    for variants in hints.values():
        assert variants
        for key, advice, why, phrase in variants:
            assert len(phrase) <= 256, key  # a copy-text button holds at most 256 characters
            for text in (advice, why, phrase):
                assert text, key
                assert not MEDICAL_OR_LEGAL.search(text), (key, text)
                assert not PLACEHOLDER_RE.search(text), (key, text)
                assert not re.search(r"[{}<>]|\[|\]", text), (key, text)


@pytest.mark.parametrize(
    ("lines", "situation"),
    [
        (talk((False, "Иногда думаю, что не хочу больше жить")), "crisis"),
        (talk((True, "Привет"), (False, "Мне так тяжело после развода, не могу спать")), "pain"),
        (talk((False, "Мне очень плохо"), (True, "Тебе надо просто отвлечься, сходи в зал")), "advice"),
        (talk((False, "А ты как справлялся?"), (True, "Ну вот так"), (True, "Погода сегодня")), "unanswered"),
        (talk((True, "Понимаю"), (False, "Ладно, расскажу ещё"), gap=15 * 60), "silence"),
        (talk(*[(i % 2 == 0, "Да. Ясно. Угу") for i in range(6)]), "no_questions"),
        (talk((True, "Привет! Как ты?"), (False, "Привет, нормально")), None),
    ],
)
def test_offline_rules_recognise_the_situation(lines, situation):
    assert detect(lines, now=NOW) == situation


def test_offline_provider_answers_without_any_network():
    hint = OfflineProvider().suggest(talk((False, "Мне одиноко")), now=NOW)
    assert hint.provider == "offline" and hint.situation == "pain"
    assert hint.key.startswith("pain.") and hint.advice and hint.why and hint.phrase


def test_api_answer_becomes_the_hint_and_the_prompt_holds_only_anonymized_text(fake_llm):
    lines = talk((True, "Я [имя], привет"), (False, "Мне одиноко, [имя] ушёл, звони [телефон]"))
    hint = provider(fake_llm).suggest(lines, now=NOW)
    assert hint.provider == "openai" and not hint.fallback
    assert hint.phrase == "Похоже, тебе очень одиноко сейчас."
    assert hint.why  # no reason from the API: the situation's own
    (request,) = fake_llm.requests
    assert request["model"] == "test-model"
    prompt = json.dumps(request, ensure_ascii=False)
    assert "[имя] ушёл" in prompt and "[телефон]" in prompt
    assert fake_llm.headers[0]["Authorization"] == "Bearer test-key"


@pytest.mark.parametrize("mode", ["slow", "error", "garbage"])
def test_timeout_error_or_garbage_falls_back_to_offline_hints(fake_llm, mode):
    fake_llm.mode = mode
    hint = provider(fake_llm, timeout=0.3).suggest(talk((False, "Мне очень больно")), now=NOW)
    assert hint.provider == "offline" and hint.fallback
    assert hint.situation == "pain" and hint.key.startswith("pain.")


@pytest.mark.parametrize(
    "content",
    [
        {"advice": "Посоветуйте антидепрессанты.", "phrase": "Попей таблетки."},
        {"advice": "Назовите по имени.", "phrase": "[имя], держись!"},
        {"advice": "Дайте контакт.", "phrase": "Позвони Олегу +7 916 123-45-67"},
        {"advice": "", "phrase": "Держись"},
    ],
)
def test_unsafe_or_leaky_api_output_is_replaced_by_offline_hint(fake_llm, content):
    fake_llm.content = json.dumps(content, ensure_ascii=False)
    hint = provider(fake_llm).suggest(talk((False, "Мне очень больно")), now=NOW)
    assert hint.provider == "offline" and hint.fallback


def test_the_apis_reason_is_shown_and_a_phrase_too_long_to_copy_falls_back(fake_llm):
    fake_llm.content = json.dumps(
        {"advice": "Отразите чувства.", "why": "Так слышно, что вы поняли.", "phrase": "Звучит одиноко."},
        ensure_ascii=False,
    )
    assert (
        provider(fake_llm).suggest(talk((False, "Мне одиноко")), now=NOW).why == "Так слышно, что вы поняли."
    )
    fake_llm.content = json.dumps({"advice": "Отразите.", "phrase": "Слышу тебя. " * 30}, ensure_ascii=False)
    assert provider(fake_llm).suggest(talk((False, "Мне одиноко")), now=NOW).fallback


@pytest.mark.parametrize(
    ("said", "adopted"),
    [
        ("Звучит очень больно. Я здесь и слушаю.", True),
        ("Боря, звучит правда очень больно... я здесь, слушаю тебя", True),
        ("Я слушаю", False),
        ("Понимаю. А что было дальше?", False),
    ],
)
def test_a_phrase_counts_as_sent_when_the_member_says_most_of_it(said, adopted):
    assert phrase_adopted(said, "Звучит очень больно. Я здесь и слушаю.") is adopted


def test_crisis_never_goes_to_the_api(fake_llm):
    hint = provider(fake_llm).suggest(talk((False, "хочу умереть")), now=NOW)
    assert hint.situation == "crisis" and hint.provider == "offline"
    assert fake_llm.requests == []


def test_unreachable_api_falls_back():
    unreachable = OpenAIProvider(base_url="http://127.0.0.1:9/v1", api_key="k", model="m", timeout=0.3)
    hint = unreachable.suggest(talk((False, "Мне очень больно")), now=NOW)
    assert hint.provider == "offline" and hint.fallback
