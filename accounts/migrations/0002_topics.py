from django.db import migrations

TOPICS = [
    ("burnout", "Выгорание", "medium"),
    ("relocation", "Переезд и эмиграция", "low"),
    ("divorce", "Развод", "medium"),
    ("breakup", "Расставание", "medium"),
    ("grief", "Утрата близкого", "high"),
    ("loneliness", "Одиночество", "medium"),
    ("anxiety", "Тревога", "medium"),
    ("job-loss", "Потеря работы", "low"),
    ("parenting", "Родительство", "low"),
    ("chronic-illness", "Хроническая болезнь", "medium"),
    ("caregiving", "Уход за близким", "medium"),
    ("addiction-recovery", "Восстановление после зависимости", "high"),
    ("pet-loss", "Потеря питомца", "medium"),
    ("infertility", "Бесплодие", "high"),
]


def create_topics(apps, schema_editor):
    Topic = apps.get_model("accounts", "Topic")
    for order, (slug, title, sensitivity) in enumerate(TOPICS, start=1):
        Topic.objects.update_or_create(
            slug=slug,
            defaults={"title": title, "order": order * 10, "sensitivity": sensitivity, "is_active": True},
        )


def remove_topics(apps, schema_editor):
    apps.get_model("accounts", "Topic").objects.filter(slug__in=[t[0] for t in TOPICS]).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(create_topics, remove_topics)]
