"""The one NinjaAPI of the project; each app adds its Router here."""

from ninja import NinjaAPI

from core.api import router as core_router

api = NinjaAPI(title="Ты не один", urls_namespace="api", docs_url=None)
api.add_router("", core_router)
