"""The one safety detector on text it was never tuned on (issue 16).

The floors below sit just under the figures `bench/filters.py` printed for the test split in
session 8 (crisis recall 0.79 at 7.7 % false positives, toxicity 0.81 at 1.7 %): they keep the
detector from getting worse unnoticed. The issue's goals (0.95 / 5 %) are not met yet.
"""

import numpy as np
import pytest

from moderation import detector
from moderation.detector import NONE, corpus, model, text, training


def _rates(rows, flagged, positive):
    pos = [flagged(r) for r in rows if r.label == positive]
    neg = [flagged(r) for r in rows if r.label != positive]
    return sum(pos) / len(pos), sum(neg) / len(neg)


def test_crisis_on_the_test_split_catches_most_and_flags_few():
    recall, false_positives = _rates(
        corpus.crisis_rows("test"), lambda r: detector.crisis_assess(r.text).tier != NONE, "crisis"
    )
    assert recall >= 0.76 and false_positives <= 0.09, (recall, false_positives)


def test_toxicity_on_the_test_split():
    recall, false_positives = _rates(
        corpus.toxicity_rows("test"), lambda r: bool(detector.toxic_categories(r.text)), "toxic"
    )
    assert recall >= 0.77 and false_positives <= 0.03, (recall, false_positives)


@pytest.mark.parametrize(
    "message",
    [
        "ne hochu bolshe zhit",  # transliteration
        "хачу сдохнуть уже наканец",  # typos
        "он ломится в дверь и кричит что убьёт меня",
        "опять порезалась, кровь не останавливается",
        "раздала все вещи, кота отвезла маме. спасибо вам за всё, прощайте",
    ],
)
def test_crisis_is_seen_in_the_ways_members_write(message):
    assert detector.crisis_assess(message).any


@pytest.mark.parametrize(
    "message",
    [
        "умираю со смеху с этого видео",
        "убила весь вечер на сериал",
        "устала ужасно, хочу исчезнуть на недельку в горы",
        "привет! как твой день прошёл?",
    ],
)
def test_idioms_and_small_talk_are_not_a_crisis(message):
    assert not detector.crisis_assess(message).likely


@pytest.mark.parametrize(
    "message",
    [
        "когда-то я резала руки, уже много лет чисто",  # one's own past, recovered
        "в сериале героиня выпила таблетки, а потом всё хорошо закончилось",  # media
        "не волнуйся, я не собираюсь ничего с собой делать",  # a reassurance
        "мой одноклассник в школе пытался повеситься",  # someone else's story
    ],
)
def test_talk_about_the_topic_at_a_distance_alerts_nobody(message):
    assert not detector.crisis_assess(message).likely


@pytest.mark.parametrize(
    "message",
    [
        "сегодня ровно год без селфхарма",
        "сегодня полгода как справляюсь без порезов на руках",
        "раньше хотела умереть, сегодня рада что выжила",
    ],
)
def test_a_recovery_told_today_is_not_a_crisis(message):
    assert not detector.crisis_assess(message).any


def test_a_relapse_after_a_recovery_is_a_likely_crisis():
    assert detector.crisis_assess("год держалась без сх, а сегодня опять порезалась").likely


def test_a_past_mentioned_beside_a_now_is_still_a_crisis():
    assert detector.crisis_assess("раньше резалась, а сегодня опять порезалась").likely


@pytest.mark.parametrize("message", ["💊💊 сегодня ночью", "🪢 висит в коридоре", "🔪 в руках"])
def test_a_method_drawn_as_an_emoji_with_a_now_is_a_likely_crisis(message):
    assert detector.crisis_assess(message).likely


@pytest.mark.parametrize(
    "message",
    [
        "брат с ножом в коридоре, я заперлась в ванной",
        "он приставил нож к моему горлу",
        "меня держат взаперти уже третий день",
        "кто-то дергает дверь, я одна",
    ],
)
def test_danger_from_someone_in_the_room_now_is_a_likely_crisis(message):
    assert detector.crisis_assess(message).likely


@pytest.mark.parametrize(
    "message",
    [
        "🪢 завтра утром",
        "сколько таблеток феназепама смертельно?",
        "таблетки не пью, коплю уже второй месяц",
        "у деда ружьё, патроны нашла в кладовке",
        "докурю и прыгну",
        "ну всё, дальше вы как-нибудь без меня",
    ],
)
def test_a_plan_a_hoard_or_a_goodbye_in_plain_words_is_a_likely_crisis(message):
    assert detector.crisis_assess(message).likely


def test_a_jump_with_a_parachute_is_not_a_crisis():
    assert not detector.crisis_assess("на выходных прыгну с парашютом").any


def test_a_goodbye_said_to_people_is_a_crisis_and_one_said_to_a_job_or_a_grudge_is_not():
    assert detector.crisis_assess("спасибо всем, вы хорошие. прощайте 👋").likely
    assert not detector.crisis_assess("прощай, старая работа, здравствуй фриланс").any
    assert not detector.crisis_assess("я прощаю его, правда").any


@pytest.mark.parametrize(
    "message",
    [
        "эта учёба меня в гроб сведёт",
        "чтоб я ещё раз пошла на распродажу, лучше сразу повеситься",
    ],
)
def test_hyperbole_about_study_or_shopping_is_not_a_crisis(message):
    assert not detector.crisis_assess(message).any


def test_a_knife_emoji_in_the_kitchen_is_not_a_crisis():
    assert not detector.crisis_assess("🔪🥒 нарезала салат, всё готово").any


@pytest.mark.parametrize("message", ["🚆 завтра к маме", "купила 💊 от головы, завтра на работу"])
def test_a_trip_or_a_headache_pill_drawn_beside_tomorrow_alerts_nobody(message):
    assert not detector.crisis_assess(message).likely


@pytest.mark.parametrize(
    "message",
    [
        "пишу это не как шутку. хочу повеситься",
        "открыла вены, в ванной",
        "съела всё что было в аптечке",
    ],
)
def test_a_denied_distance_or_a_plain_method_is_a_likely_crisis(message):
    assert detector.crisis_assess(message).likely


@pytest.mark.parametrize(
    "message",
    [
        "иди нах со своими советами",  # clipped mat
        "ну ты и ж0па",  # a digit inside a word
        "xуйню несёшь",  # a Latin look-alike
        "иди на х@р",  # a symbol for a letter
        "ноги тебе переломаю",  # a threat without a swear word
        "вечером буду у твоего подъезда",
        "надеюсь, ты потеряешь всё, что любишь",  # a wish of harm
        "ты просто мешок с костями",  # dehumanising
    ],
)
def test_abuse_is_held_without_a_swear_word_or_behind_a_mask(message):
    assert detector.toxic_categories(message)


@pytest.mark.parametrize(
    "message",
    [
        "он сказал мне «ты ничтожество», и я проплакала всю ночь",  # the member telling their pain
        "а муж мне: ты никто без меня. я промолчала",
        "мне в личку пришло «я знаю где ты живёшь», мне страшно",
        "пиздец как устала",  # swearing about one's own state
        "я заебалась уже честно",
        "в 10 утра встреча, потом 3 пары",
    ],
)
def test_a_report_of_abuse_or_venting_is_not_held(message):
    assert not detector.toxic_categories(message)


@pytest.mark.parametrize(
    "message", ["кретин, перечитай моё сообщение", "ну и бездарность, даже ответить нормально не можешь"]
)
def test_a_name_called_with_a_verb_to_the_reader_is_an_insult(message):
    assert "insult" in detector.toxic_categories(message)


def test_calling_oneself_a_name_while_asking_the_reader_is_not_an_insult():
    assert not detector.toxic_categories("я такая бездарность, прочитай что я написала")


def test_a_people_named_by_an_adjective_on_an_animal_word_is_hate_and_a_face_is_not():
    assert "hate" in detector.toxic_categories("опять эта якутская морда пишет")
    assert not detector.toxic_categories("азиатская внешность у неё красивая")


def test_the_checked_in_weights_are_what_the_corpus_trains():
    """Changing the corpus without `manage.py detector_train` fails here, not in production."""
    fitted = training._fit(training.training_rows(corpus.crisis_rows), "crisis")
    shipped = model.load("crisis")
    for row in corpus.crisis_rows("test")[:40]:
        folded, words, lemmas = text.read(row.text)
        features = model.features(words, lemmas, folded)
        assert np.isclose(fitted.probability(features), shipped.probability(features), atol=0.02), row.text


def test_a_web_process_loads_the_detector_at_start_not_in_the_first_message():
    import os
    import subprocess
    import sys
    from pathlib import Path

    probe = (
        "import config.asgi\n"
        "from moderation.detector import model, text\n"
        "print(model.load.cache_info().currsize, text.morph.cache_info().currsize)\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=Path(__file__).parents[2], env=env, capture_output=True, text=True
    )
    assert out.stdout.strip().splitlines()[-1].split() == ["2", "1"], out.stderr[-2000:]
