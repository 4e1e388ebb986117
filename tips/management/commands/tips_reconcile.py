from django.core.management.base import BaseCommand

from tips import tasks


class Command(BaseCommand):
    help = "Compare Telegram's Stars transactions with the tips table and list mismatches in admin."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=tasks.RECONCILE_DAYS, help="how far back to look")

    def handle(self, *args, days: int, **options):
        self.stdout.write(tasks.tips_reconcile(days=days))
