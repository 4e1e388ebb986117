import importlib

import pytest


@pytest.fixture(autouse=True)
def _canned_reasons(request, _reference_data):
    """The canned reasons from their data migration (transactional tests truncate every table)."""
    if "django_db_setup" not in request.fixturenames and not request.node.get_closest_marker("django_db"):
        return
    from django.apps import apps

    importlib.import_module("moderation.migrations.0008_sanction_reasons").create(apps, None)
