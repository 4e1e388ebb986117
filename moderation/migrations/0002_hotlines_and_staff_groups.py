from django.db import migrations

HOTLINES = [
    ("Экстренные службы", "112", "", "Угроза жизни, насилие, пожар — круглосуточно, бесплатно", 10),
    (
        "Телефон доверия для детей, подростков и родителей",
        "8-800-2000-122",
        "",
        "Бесплатно, анонимно, круглосуточно",
        20,
    ),
    ("Экстренная психологическая помощь МЧС России", "+7 495 989-50-50", "", "Круглосуточно", 30),
    (
        "Московская служба психологической помощи",
        "051",
        "https://msph.ru",
        "С городского телефона в Москве; с мобильного +7 495 051",
        40,
    ),
    (
        "Горячая линия центра «Анна» (насилие в семье)",
        "8-800-7000-600",
        "https://anna-center.ru",
        "Бесплатно по России",
        50,
    ),
]

MODERATOR_MODELS = {
    "accounts": ["member", "topic", "membertopic", "preferences"],
    "moderation": ["hotline"],
    "core": ["deadletterupdate"],
}


def create(apps, schema_editor):
    Hotline = apps.get_model("moderation", "Hotline")
    for name, phone, url, description, order in HOTLINES:
        Hotline.objects.update_or_create(
            name=name,
            country="RU",
            defaults={"phone": phone, "url": url, "description": description, "order": order},
        )
    Group = apps.get_model("auth", "Group")
    Group.objects.get_or_create(name="Moderators")
    Group.objects.get_or_create(name="Analysts")


def remove(apps, schema_editor):
    apps.get_model("moderation", "Hotline").objects.filter(name__in=[h[0] for h in HOTLINES]).delete()


class Migration(migrations.Migration):
    dependencies = [("moderation", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create, remove)]
