from django.conf import settings


def site(request):
    """The publisher's name and the reader's search words, on every page (404 included)."""
    query = ""
    if request is not None and request.method == "GET":
        query = " ".join(request.GET.get("q", "").split())[:200]
    return {"site_name": settings.EDITORIAL_SITE_NAME, "search_query": query}
