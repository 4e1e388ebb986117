"""Third-party admin sections under Russian names (staff pages speak one language)."""

from axes.apps import AppConfig as AxesAppConfig
from django_rq.apps import DjangoRqAdminConfig


class AxesConfig(AxesAppConfig):
    verbose_name = "Попытки входа"


class RQConfig(DjangoRqAdminConfig):
    verbose_name = "Фоновые задачи"
