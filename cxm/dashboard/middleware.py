from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware


class ChainLanguageMiddleware(LocaleMiddleware):
    """Pages open in the chain's language (LANGUAGE_CODE, Russian) whatever the browser's
    locale: shop tablets, kiosks and head-office laptops often come with an English browser.
    A person's own choice (the RU/EN switch, kept in the language cookie) still wins."""

    def process_request(self, request: HttpRequest) -> None:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        super().process_request(request)
