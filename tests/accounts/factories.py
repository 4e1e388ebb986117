import factory
from factory.django import DjangoModelFactory

from accounts.models import Member, MemberTopic, Preferences, Topic
from core.pseudonym import pseudonymous_ref


class MemberFactory(DjangoModelFactory):
    class Meta:
        model = Member
        skip_postgeneration_save = True

    tg_id = factory.Sequence(lambda n: 8_000_000 + n)
    ref = factory.LazyAttribute(lambda m: pseudonymous_ref(m.tg_id))
    pseudonym = factory.Sequence(lambda n: f"Участник {n}")
    timezone = "Europe/Moscow"
    expectations = factory.LazyFunction(lambda: ["vent"])
    availability = factory.LazyFunction(lambda: ["evening"])
    onboarding_step = Member.Step.DONE

    @factory.post_generation
    def topics(self, create, extracted, **kwargs):
        if not create:
            return
        Preferences.objects.get_or_create(member=self)
        slugs = extracted if extracted is not None else ["burnout", "anxiety"]
        for slug in slugs:
            MemberTopic.objects.create(member=self, topic=Topic.objects.get(slug=slug))
