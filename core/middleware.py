import uuid

import structlog
from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.utils import timezone


class RequestIdMiddleware:
    """Binds a request id (from X-Request-ID or a new one) to every log line of the request."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self._async = iscoroutinefunction(get_response)
        if self._async:
            markcoroutinefunction(self)

    def _bind(self, request) -> str:
        request_id = request.headers.get("X-Request-ID", "")[:64] or uuid.uuid4().hex[:16]
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        return request_id

    def __call__(self, request):
        if self._async:
            return self.__acall__(request)
        request_id = self._bind(request)
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response

    async def __acall__(self, request):
        request_id = self._bind(request)
        response = await self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


class AdminContentSecurityPolicyMiddleware:
    """A Content-Security-Policy for the staff pages: nothing loads from anywhere but here.

    Django's admin needs no inline scripts (its data blocks are JSON, not executed); our pages
    use inline SVG and style attributes, hence 'unsafe-inline' for styles only.
    """

    sync_capable = True
    async_capable = True
    POLICY = (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'; "
        "object-src 'none'"
    )

    def __init__(self, get_response):
        self.get_response = get_response
        self._async = iscoroutinefunction(get_response)
        if self._async:
            markcoroutinefunction(self)

    def _apply(self, request, response):
        if request.path.startswith("/admin/"):
            response.setdefault("Content-Security-Policy", self.POLICY)
        return response

    def __call__(self, request):
        if self._async:
            return self.__acall__(request)
        return self._apply(request, self.get_response(request))

    async def __acall__(self, request):
        return self._apply(request, await self.get_response(request))


class StaffTimezoneMiddleware:
    """Staff pages show times in the staff's time zone (settings.STAFF_TIME_ZONE), not the server's UTC."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.zone = settings.STAFF_TIME_ZONE
        self._async = iscoroutinefunction(get_response)
        if self._async:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self._async:
            return self.__acall__(request)
        if not request.path.startswith("/admin/"):
            return self.get_response(request)
        with timezone.override(self.zone):
            return self.get_response(request)

    async def __acall__(self, request):
        if not request.path.startswith("/admin/"):
            return await self.get_response(request)
        with timezone.override(self.zone):
            return await self.get_response(request)
