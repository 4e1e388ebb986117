from django.core.management.base import BaseCommand

from moderation.detector import training


class Command(BaseCommand):
    help = "Train the safety detector's learned part on the corpus (train split; thresholds from dev)."

    def handle(self, *args, **options):
        self.stdout.write(f"crisis: {training.train_crisis()}")
        self.stdout.write(f"toxicity: {training.train_toxicity()}")
