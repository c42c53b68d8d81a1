from django.conf import settings


def site(request):
    """The publisher's name, on every page (the 404 page included)."""
    return {"site_name": settings.EDITORIAL_SITE_NAME}
