"""What approving an article now would publish, and what must hold before it may.

The version is built from the working copy (``version_from_working_copy``),
unsaved, so the admin's preview shows a reviewer exactly what readers would
get and the approval saves that very object (articles.services). Its
byline is the approving members the approval rule counts
(reviewers.policy), and every one of them must have approved this text,
fingerprint for fingerprint. "The text did not change" means the same
fingerprint (articles.fingerprints) wherever it is asked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from articles.exceptions import WorkflowError
from articles.fingerprints import live_text_unchanged, short, version_fingerprint
from articles.models import Article, PublishedVersion
from articles.rendering import render_markdown
from articles.roles import display_name
from reviewers.policy import approving_members

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser as User


def version_from_working_copy(article: Article, *, by: User | None = None) -> PublishedVersion:
    """Build (unsaved) the version that approving the article now would publish.

    The admin's preview renders this very object, so a reviewer reads exactly
    what readers would get.
    """
    references = list(article.references.all())
    version = PublishedVersion(
        article=article,
        review_round=article.review_round,
        title=article.title,
        slug=article.slug,
        summary=article.summary,
        topic_name=article.topic.name,
        topic_slug=article.topic.slug,
        body_source=article.body,
        body_html=render_markdown(article.body, reference_count=len(references)),
        plain_body_source=article.plain_body,
        plain_body_html=(
            render_markdown(article.plain_body, reference_count=len(references))
            if article.plain_body.strip()
            else ""
        ),
        urgent_help_source=article.urgent_help,
        urgent_help_html=(
            render_markdown(article.urgent_help, reference_count=len(references))
            if article.urgent_help.strip()
            else ""
        ),
        origin=article.origin,
        generator=article.generator,
        generator_version=article.generator_version,
        source_reference=article.source_reference,
        change_note=article.change_note,
        references=[ref.as_snapshot(n) for n, ref in enumerate(references, start=1)],
        reviewers=[member.as_snapshot() for member in approving_members(article)],
        author_name=display_name(article.author),
        # A draft's dates belong to an earlier round, not to this text.
        submitted_at=None if article.is_editable else article.submitted_at,
        review_started_at=None if article.is_editable else article.review_started_at,
        approved_at=None,
        approved_by=by,
    )
    version.fingerprint = version_fingerprint(version)
    return version


def check_approvals_name(article: Article, fingerprint: str) -> None:
    """Refuse to publish a text that a counted approval did not see."""
    for member in approving_members(article):
        for theirs in member.approved_fingerprints:
            if theirs != fingerprint:
                raise WorkflowError(
                    _(
                        "%(name)s approved a different text (fingerprint %(theirs)s, this text "
                        "is %(ours)s): nothing was published. Ask them to review the text again."
                    )
                    % {
                        "name": member.name,
                        "theirs": short(theirs) or _("none"),
                        "ours": short(fingerprint),
                    }
                )


def change_note_needed(article: Article) -> bool:
    """Whether approving now would publish a changed text with no public "What changed".

    A first version needs none ("First published."), nor a re-review that
    changed no word ("Re-reviewed by the board; the text did not change.").
    """
    if article.live_version_id is None or article.change_note.strip():
        return False
    return not live_text_unchanged(article)


def default_change_note(previous: PublishedVersion | None, version: PublishedVersion) -> str:
    """The public "What changed" line of a version whose approver left none."""
    if previous is None:
        return _("First published.")
    if version_fingerprint(previous) == version.fingerprint:
        return _("Re-reviewed by the board; the text did not change.")
    return _("Updated and approved by the board.")
