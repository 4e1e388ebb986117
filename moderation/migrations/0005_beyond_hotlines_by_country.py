"""Crisis lines for the countries members choose in onboarding; ZZ = international resources.

Only public, long-standing numbers; staff keep them current in admin (Hotline).
"""

from django.db import migrations

HOTLINES = {
    "BY": [
        ("Скорая медицинская помощь", "103", "", "Угроза жизни — круглосуточно, бесплатно", 10),
        (
            "Общенациональная детская линия",
            "8-801-100-16-11",
            "",
            "Для детей, подростков и родителей — бесплатно, круглосуточно",
            20,
        ),
        (
            "Горячая линия для пострадавших от домашнего насилия",
            "8-801-100-8-801",
            "",
            "Бесплатно по Беларуси",
            30,
        ),
    ],
    "KZ": [
        ("Экстренные службы", "112", "", "Угроза жизни — круглосуточно, бесплатно", 10),
        (
            "Национальный телефон доверия «150»",
            "150",
            "",
            "Для детей, молодёжи и взрослых в кризисе — бесплатно, круглосуточно",
            20,
        ),
        (
            "Единый контакт-центр «111»",
            "111",
            "",
            "Насилие в семье, буллинг, помощь семьям — бесплатно, круглосуточно",
            30,
        ),
    ],
    "UA": [
        ("Экстренные службы", "112", "", "Угроза жизни — круглосуточно, бесплатно", 10),
        (
            "Lifeline Ukraine — линия предотвращения самоубийств",
            "7333",
            "https://lifelineukraine.com",
            "Бесплатно с мобильного, круглосуточно",
            20,
        ),
        (
            "Национальная горячая линия «Ла Страда-Украина»",
            "116 123",
            "https://la-strada.org.ua",
            "Насилие, торговля людьми, дискриминация — бесплатно",
            30,
        ),
    ],
    "UZ": [
        ("Скорая медицинская помощь", "103", "", "Угроза жизни — круглосуточно, бесплатно", 10),
        (
            "Линии помощи в Узбекистане",
            "",
            "https://findahelpline.com/countries/uz",
            "Проверенный каталог бесплатных линий поддержки",
            20,
        ),
    ],
    "AM": [
        ("Экстренные службы", "911", "", "Угроза жизни — круглосуточно (112 тоже работает)", 10),
        (
            "Линии помощи в Армении",
            "",
            "https://findahelpline.com/countries/am",
            "Проверенный каталог бесплатных линий поддержки",
            20,
        ),
    ],
    "GE": [
        ("Экстренные службы", "112", "", "Угроза жизни — круглосуточно, бесплатно", 10),
        (
            "Горячая линия по вопросам насилия",
            "116 006",
            "",
            "Бесплатно, анонимно, круглосуточно; консультации на 8 языках",
            20,
        ),
    ],
    "ZZ": [
        (
            "Find A Helpline",
            "",
            "https://findahelpline.com",
            "Бесплатные линии поддержки в вашей стране, по телефону и в чате",
            10,
        ),
        (
            "Befrienders Worldwide",
            "",
            "https://befrienders.org",
            "Эмоциональная поддержка людям в кризисе по всему миру",
            20,
        ),
    ],
}


def create(apps, schema_editor):
    Hotline = apps.get_model("moderation", "Hotline")
    for country, lines in HOTLINES.items():
        for name, phone, url, description, order in lines:
            Hotline.objects.update_or_create(
                name=name,
                country=country,
                defaults={"phone": phone, "url": url, "description": description, "order": order},
            )


def remove(apps, schema_editor):
    Hotline = apps.get_model("moderation", "Hotline")
    for country, lines in HOTLINES.items():
        Hotline.objects.filter(country=country, name__in=[line[0] for line in lines]).delete()


class Migration(migrations.Migration):
    dependencies = [("moderation", "0004_safety_sanctions_appeals")]
    operations = [migrations.RunPython(create, remove)]
