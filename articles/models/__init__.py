"""What the workflow stores, one module per part; Django finds every model here.

- ``article``: topics, the working copy with its transition table (django-fsm-2),
  its references;
- ``records``: what happened and what readers got, written once (published
  versions, the audit trail, the action log, the live set's generation);
- ``site``: the reader site's own tables (problem reports, site pages, search
  synonyms, rate limits).
"""

from articles.models.article import (
    WORKFLOW_FIELDS,
    Article,
    ArticleQuerySet,
    Reference,
    Topic,
    bulk_load,
)

# Migration 0001 names the year validator by this path.
from articles.models.article import _validate_year as _validate_year
from articles.models.records import (
    ActionLogChain,
    ActionLogEntry,
    AuditEntry,
    LiveSetGeneration,
    PublishedVersion,
)
from articles.models.site import ProblemReport, RateLimitCount, SearchSynonym, SitePage

__all__ = [
    "WORKFLOW_FIELDS",
    "ActionLogChain",
    "ActionLogEntry",
    "Article",
    "ArticleQuerySet",
    "AuditEntry",
    "LiveSetGeneration",
    "ProblemReport",
    "PublishedVersion",
    "RateLimitCount",
    "Reference",
    "SearchSynonym",
    "SitePage",
    "Topic",
    "bulk_load",
]
