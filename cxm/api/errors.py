"""How domain errors become HTTP answers. Every error body is JSON with `detail`: a message,
or (for 422) a list of `{loc, msg, type}` like django-ninja's own validation errors, so a
client handles one shape."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError

from cxm.api.bodies import BodyError
from cxm.reports.filters import FilterError

UNAUTHENTICATED = (
    "authentication required: send 'Authorization: Bearer <token>' "
    "(create one with `cxm token create USER NAME`) or log in"
)


class ParameterError(ValueError):
    """A request parameter is not acceptable; `loc` says where, as ninja names it."""

    def __init__(self, loc: tuple[str, ...], message: str):
        super().__init__(message)
        self.loc = loc
        self.message = message


def unprocessable(
    api: NinjaAPI, request: HttpRequest, loc: list[str], message: str
) -> HttpResponse:
    return api.create_response(
        request, {"detail": [{"loc": loc, "msg": message, "type": "value_error"}]}, status=422
    )


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        message = exc.message if exc.message != "Unauthorized" else UNAUTHENTICATED
        response = api.create_response(request, {"detail": message}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="cxm"'
        return response

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return api.create_response(
            request, {"detail": str(exc) or "outside your scope"}, status=403
        )

    @api.exception_handler(FilterError)
    def bad_filter(request: HttpRequest, exc: FilterError) -> HttpResponse:
        return unprocessable(api, request, ["query", exc.field], str(exc))

    @api.exception_handler(ParameterError)
    def bad_parameter(request: HttpRequest, exc: ParameterError) -> HttpResponse:
        return unprocessable(api, request, list(exc.loc), exc.message)

    @api.exception_handler(BodyError)
    def bad_body(request: HttpRequest, exc: BodyError) -> HttpResponse:
        return api.create_response(request, {"detail": exc.message}, status=exc.status)
