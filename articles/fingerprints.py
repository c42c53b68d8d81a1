"""Content fingerprints: which exact text a reviewer saw, an approver signed and readers got.

A working copy's reviewable content is the fields named in
``Article.REVIEWABLE_FIELDS`` plus its references in order. Its fingerprint
is the SHA-256 of one canonical serialisation of that content:

    json.dumps({"fields": {name: value, ...}, "references": [{...}, ...]},
               sort_keys=True, separators=(",", ":"), ensure_ascii=False)

encoded as UTF-8, each reference holding exactly ``REFERENCE_FIELDS``. A field
with an empty value is left out, so an optional field added to the
reviewable content later (the urgent-help box) changes no earlier fingerprint. The
same function fingerprints a published version from what it froze, so a
version, the decisions that approved it and the page readers see can be
compared by anyone with the export and a few lines of Python.

Where each rule lives: the decision form carries the fingerprint it rendered
(articles.admin.article), ``reviewers.services.decision_record`` refuses a stale
one, ``articles.publishing.check_approvals_name`` refuses to publish unless every
counted approval names the version's fingerprint, and ``manage.py verify_audit``
checks all of it again from the stored records.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from articles.models import Article, PublishedVersion

REFERENCE_FIELDS = ("authors", "title", "journal", "year", "pmid", "doi", "url")
SHORT = 12


def fingerprint(fields: dict[str, Any], references: list[dict[str, Any]]) -> str:
    content = {
        "fields": {name: fields[name] for name in sorted(fields) if fields[name]},
        "references": [{name: ref.get(name) for name in REFERENCE_FIELDS} for ref in references],
    }
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def article_fingerprint(article: Article) -> str:
    """The working copy's fingerprint as it stands (uses prefetched references if any)."""
    references = [
        {name: getattr(ref, name) for name in REFERENCE_FIELDS} for ref in article.references.all()
    ]
    return fingerprint(
        {name: getattr(article, name) for name in Article.REVIEWABLE_FIELDS}, references
    )


def version_fingerprint(version: PublishedVersion) -> str:
    """The fingerprint recomputed from what a published version froze."""
    return fingerprint(
        {name: getattr(version, source) for name, source in PublishedVersion.SOURCE_OF.items()},
        list(version.references),
    )


def live_text_unchanged(article: Article) -> bool:
    """Whether the working copy is still exactly its live version's text and references.

    "The same text" means the same fingerprint, wherever it is asked: a
    re-review that changed nothing needs no public "What changed" line.
    The version's fingerprint is recomputed from what it froze, so versions
    approved before fingerprints were kept compare too.
    """
    if article.live_version_id is None:
        return False
    return article_fingerprint(article) == version_fingerprint(article.live_version)


def short(value: str) -> str:
    return (value or "")[:SHORT]
