"""schema.org metadata for search engines and other machines reading the site."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from articles.models import PublishedVersion


def absolute(path: str) -> str:
    """A public address in full, on the configured site (not the Host header)."""
    return f"{settings.EDITORIAL_BASE_URL}{path}"


def _citation(ref: dict) -> dict:
    citation: dict = {"@type": "ScholarlyArticle", "name": ref.get("title", "")}
    if ref.get("authors"):
        citation["author"] = ref["authors"]
    if ref.get("journal"):
        citation["isPartOf"] = {"@type": "Periodical", "name": ref["journal"]}
    if ref.get("year"):
        citation["datePublished"] = str(ref["year"])
    identifiers = []
    if ref.get("pmid"):
        identifiers.append({"@type": "PropertyValue", "propertyID": "PMID", "value": ref["pmid"]})
    if ref.get("doi"):
        identifiers.append({"@type": "PropertyValue", "propertyID": "DOI", "value": ref["doi"]})
        citation["url"] = f"https://doi.org/{ref['doi']}"
    elif ref.get("pmid"):
        citation["url"] = f"https://pubmed.ncbi.nlm.nih.gov/{ref['pmid']}/"
    elif ref.get("url", "").lower().startswith(("https://", "http://")):
        citation["url"] = ref["url"]
    if identifiers:
        citation["identifier"] = identifiers
    return citation


def _reviewer(reviewer: dict) -> dict:
    person: dict = {
        "@type": "Person",
        "name": reviewer.get("name", ""),
        "url": absolute(f"{reverse('articles:advisory_board')}#member-{reviewer.get('member_id')}"),
    }
    if reviewer.get("credentials"):
        person["honorificSuffix"] = reviewer["credentials"]
    if reviewer.get("specialties"):
        person["knowsAbout"] = list(reviewer["specialties"])
    return person


def medical_web_page(
    version: PublishedVersion, *, first_published=None, description: str = ""
) -> dict:
    """The MedicalWebPage object for a published version (to embed as JSON-LD)."""
    url = absolute(version.get_absolute_url())
    last_reviewed = version.last_reviewed or version.approved_at.date()
    data: dict = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "@id": url,
        "url": url,
        "name": version.title,
        "headline": version.title,
        "inLanguage": settings.LANGUAGE_CODE,
        "datePublished": (first_published or version.approved_at).isoformat(),
        "dateModified": version.approved_at.isoformat(),
        "lastReviewed": last_reviewed.isoformat(),
        "reviewedBy": [_reviewer(reviewer) for reviewer in version.reviewers],
        "medicalAudience": [
            {"@type": "MedicalAudience", "audienceType": "Patient"},
            {"@type": "MedicalAudience", "audienceType": "Clinician"},
        ],
        "keywords": version.topic_name,
        "author": {"@type": "Person", "name": version.author_name},
        "publisher": {
            "@type": "Organization",
            "name": settings.EDITORIAL_SITE_NAME,
            "url": absolute("/"),
        },
        "citation": [_citation(ref) for ref in version.references],
        "version": str(version.number),
    }
    if description:
        data["description"] = description
    return data
