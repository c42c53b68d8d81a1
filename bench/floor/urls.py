from django.conf import settings
from django.http import HttpResponse
from django.urls import path

HEAD = (
    b"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Floor</title></head><body>"
)
TAIL = b"</body></html>\n"


def _page(size: int) -> bytes:
    """An HTML page of exactly ``size`` bytes (or just its frame when smaller)."""
    filler = max(size - len(HEAD) - len(TAIL), 0)
    line = b"<p>The framework floor: the same bytes, none of the work.</p>\n"
    body = (line * (filler // len(line) + 1))[:filler]
    return HEAD + body + TAIL


PAGE = _page(settings.FLOOR_BYTES)


def constant(request, anything=None):
    return HttpResponse(PAGE, content_type="text/html; charset=utf-8")


# Behind Editorial's middleware (the ceiling) the page is answered as the
# public pages are (articles.public.middleware.public_page, not importable here).
constant.public_page = True


urlpatterns = [path("", constant), path("<path:anything>", constant)]
