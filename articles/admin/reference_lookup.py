"""A reference's record from its DOI (Crossref) or PubMed ID (NCBI E-utilities).

Authors type an identifier and get authors, title, journal and year back to
check before saving, instead of retyping them. Both services are public and
free; we ask politely (a User-Agent naming the site, short timeouts) and
keep each answer in the cache for a day, since a published record rarely
changes and an author often looks the same source up twice.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

TIMEOUT_SECONDS = 6
CACHE_SECONDS = 24 * 3600
# A lookup that failed is not asked again at once, but not remembered for long.
MISS_CACHE_SECONDS = 600
MAX_BYTES = 2_000_000

DOI_PATTERN = re.compile(r"^10\.\d{4,9}/\S+$")
DOI_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi:", "doi ")
PMID_PATTERN = re.compile(r"^\d{1,9}$")
PMID_PREFIXES = ("pmid:", "pmid ", "https://pubmed.ncbi.nlm.nih.gov/")


class ReferenceLookupError(Exception):
    """A lookup that gave no record; ``kind`` says why, ``message`` says it to the author."""

    MALFORMED = "malformed"
    NOT_FOUND = "not_found"
    UNREACHABLE = "unreachable"
    TIMEOUT = "timeout"

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True)
class ReferenceRecord:
    authors: str
    title: str
    journal: str
    year: int | None
    doi: str
    pmid: str

    def as_dict(self) -> dict:
        return asdict(self)


def parse_identifier(text: str) -> tuple[str, str]:
    """("doi", "10.…") or ("pmid", "123…") from what an author pasted, or ReferenceLookupError."""
    value = (text or "").strip()
    lowered = value.lower()
    for prefix in DOI_PREFIXES:
        if lowered.startswith(prefix):
            value = value[len(prefix) :].strip()
            break
    else:
        for prefix in PMID_PREFIXES:
            if lowered.startswith(prefix):
                value = value[len(prefix) :].strip().rstrip("/")
                break
    if DOI_PATTERN.match(value):
        return "doi", value
    if PMID_PATTERN.match(value):
        return "pmid", value
    raise ReferenceLookupError(
        ReferenceLookupError.MALFORMED,
        _(
            "“%(text)s” is neither a DOI (it starts with “10.” and a slash, e.g. "
            "10.1000/xyz123) nor a PubMed ID (a number, e.g. 20598394)."
        )
        % {"text": text.strip()[:100]},
    )


def _user_agent() -> str:
    # Crossref asks clients to say who they are and how to reach them.
    contact = settings.DEFAULT_FROM_EMAIL
    return f"Editorial/1.0 ({settings.EDITORIAL_BASE_URL}; mailto:{contact})"


def _get_json(url: str, service: str) -> dict | None:
    """The JSON answer at ``url``; None when the service says the record does not exist."""
    request = urllib.request.Request(
        url, headers={"User-Agent": _user_agent(), "Accept": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            raw = response.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise ReferenceLookupError(
            ReferenceLookupError.UNREACHABLE,
            _("%(service)s answered with an error (%(code)s). Try again later.")
            % {"service": service, "code": error.code},
        ) from error
    except TimeoutError as error:
        raise ReferenceLookupError(
            ReferenceLookupError.TIMEOUT,
            _("%(service)s did not answer in time. Try again, or type the reference by hand.")
            % {"service": service},
        ) from error
    except (urllib.error.URLError, OSError) as error:
        if isinstance(getattr(error, "reason", None), TimeoutError):
            raise ReferenceLookupError(
                ReferenceLookupError.TIMEOUT,
                _("%(service)s did not answer in time. Try again, or type the reference by hand.")
                % {"service": service},
            ) from error
        raise ReferenceLookupError(
            ReferenceLookupError.UNREACHABLE,
            _("%(service)s cannot be reached. Try again later, or type the reference by hand.")
            % {"service": service},
        ) from error
    if len(raw) > MAX_BYTES:
        raise ReferenceLookupError(
            ReferenceLookupError.UNREACHABLE,
            _("%(service)s sent an answer too large to read.") % {"service": service},
        )
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise ReferenceLookupError(
            ReferenceLookupError.UNREACHABLE,
            _("%(service)s sent an answer that could not be read.") % {"service": service},
        ) from error


def _not_found(kind: str, value: str) -> ReferenceLookupError:
    label = "DOI" if kind == "doi" else _("PubMed ID")
    return ReferenceLookupError(
        ReferenceLookupError.NOT_FOUND,
        _("No record has the %(label)s %(value)s: check it for typing errors.")
        % {"label": label, "value": value},
    )


def _first(values) -> str:
    if isinstance(values, list):
        return str(values[0]).strip() if values else ""
    return str(values or "").strip()


def _crossref_record(doi: str) -> ReferenceRecord:
    base = settings.EDITORIAL_CROSSREF_URL.rstrip("/")
    data = _get_json(f"{base}/works/{urllib.parse.quote(doi, safe='/:;()')}", "Crossref")
    work = (data or {}).get("message") if isinstance(data, dict) else None
    if not isinstance(work, dict):
        raise _not_found("doi", doi)
    authors = []
    for person in work.get("author") or []:
        if not isinstance(person, dict):
            continue
        if person.get("family"):
            # Vancouver style, as the references are written here: "Berk DR".
            initials = "".join(
                part[0] for part in re.split(r"[\s.\-]+", person.get("given") or "") if part
            )
            authors.append(f"{person['family']} {initials}".strip())
        elif person.get("name"):
            authors.append(str(person["name"]))
    year = None
    for key in ("issued", "published-print", "published-online", "published"):
        parts = (work.get(key) or {}).get("date-parts") or []
        if parts and parts[0] and parts[0][0]:
            year = int(parts[0][0])
            break
    return ReferenceRecord(
        authors=", ".join(authors),
        title=_first(work.get("title")),
        journal=_first(work.get("container-title")) or str(work.get("publisher") or ""),
        year=year,
        doi=str(work.get("DOI") or doi),
        pmid="",
    )


def _pubmed_record(pmid: str) -> ReferenceRecord:
    base = settings.EDITORIAL_PUBMED_URL.rstrip("/")
    query = urllib.parse.urlencode({"db": "pubmed", "id": pmid, "retmode": "json"})
    data = _get_json(f"{base}/esummary.fcgi?{query}", "PubMed")
    result = (data or {}).get("result") if isinstance(data, dict) else None
    summary = result.get(pmid) if isinstance(result, dict) else None
    if not isinstance(summary, dict) or summary.get("error") or not summary.get("title"):
        raise _not_found("pmid", pmid)
    authors = [
        str(a.get("name"))
        for a in summary.get("authors") or []
        if isinstance(a, dict) and a.get("name") and a.get("authtype", "Author") == "Author"
    ]
    doi = ""
    for article_id in summary.get("articleids") or []:
        if isinstance(article_id, dict) and article_id.get("idtype") == "doi":
            doi = str(article_id.get("value") or "")
            break
    year_match = re.match(r"(\d{4})", str(summary.get("pubdate") or ""))
    return ReferenceRecord(
        authors=", ".join(authors),
        # PubMed ends titles with a full stop; the reference list adds its own.
        title=str(summary["title"]).strip().rstrip("."),
        journal=str(summary.get("source") or summary.get("fulljournalname") or ""),
        year=int(year_match.group(1)) if year_match else None,
        doi=doi,
        pmid=str(summary.get("uid") or pmid),
    )


def reference_lookup(text: str) -> ReferenceRecord:
    """The record for a DOI or PubMed ID; raises ReferenceLookupError saying why there is none."""
    kind, value = parse_identifier(text)
    key = f"editorial:reference-lookup:{kind}:{value.lower()}"
    cached = cache.get(key)
    if isinstance(cached, dict):
        if "error" in cached:
            raise ReferenceLookupError(ReferenceLookupError.NOT_FOUND, cached["error"])
        return ReferenceRecord(**cached)
    try:
        record = _crossref_record(value) if kind == "doi" else _pubmed_record(value)
    except ReferenceLookupError as error:
        if error.kind == ReferenceLookupError.NOT_FOUND:
            cache.set(key, {"error": error.message}, MISS_CACHE_SECONDS)
        raise
    cache.set(key, record.as_dict(), CACHE_SECONDS)
    return record
