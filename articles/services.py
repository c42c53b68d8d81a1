"""Every write that moves an article through its workflow.

One shape for each transition, as in Wagtail's workflow models: lock the row,
refuse with a plain reason, change, save with a change reason, write the
audit entry (and, on approval, the published version), and announce the
change only after commit. The admin and the views call these functions;
nothing else changes an article's state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed

from articles.conditions import is_author_role, is_editor, wrote
from articles.models import Article, AuditEntry, PublishedVersion, display_name
from articles.rendering import render_markdown, rendering_once
from articles.signals import article_transitioned

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser as User


class WorkflowError(Exception):
    """A workflow action was refused; ``str(error)`` says why in plain words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConcurrentChange(WorkflowError):
    """The article changed between the moment the user saw it and their action."""


@dataclass(frozen=True)
class TransitionInfo:
    name: str
    label: str
    comment: str  # "required" or "optional"
    done: str  # what the user is told once it happened


def transition_info(name: str) -> TransitionInfo:
    method = getattr(Article, name, None)
    meta = getattr(method, "_django_fsm", None)
    if meta is None:
        raise WorkflowError(_("“%(name)s” is not a workflow action.") % {"name": name})
    custom = next(iter(meta.transitions.values())).custom
    return TransitionInfo(
        name=name,
        label=str(custom["label"]),
        comment=custom.get("comment", "optional"),
        done=str(custom.get("done", custom["label"])),
    )


def available_transitions(article: Article, user: User) -> list[TransitionInfo]:
    """The transitions this user may take on the article now, in table order."""
    names = [t.name for t in article.get_available_user_state_transitions(user)]
    return [transition_info(name) for name in names]


def refusal(check, article: Article) -> str:
    """The sentence that explains why ``check`` does not hold for the article."""
    reason = getattr(check, "refusal", _("A condition is not met."))
    return str(reason(article) if callable(reason) else reason)


def blocked_transitions(article: Article, user: User) -> list[tuple[TransitionInfo, str]]:
    """Transitions the user could take from this state but for a condition, with why.

    The admin shows them greyed out with their reason, so nobody wonders where
    a button went. Conditions marked ``quiet`` are not worth a word there.
    """
    blocked = []
    for fsm in article.get_all_state_transitions():
        if fsm.source != article.state or not fsm.has_perm(article, user):
            continue
        failing = next((c for c in fsm.conditions if not c(article)), None)
        if failing is not None and not getattr(failing, "quiet", False):
            blocked.append((transition_info(fsm.name), refusal(failing, article)))
    return blocked


def lock(article: Article | int) -> Article:
    """Re-read the article's row under a lock held to the end of the transaction.

    FSMModelMixin.refresh_from_db would skip the protected state field, so
    the row is fetched afresh rather than refreshed.
    """
    pk = article.pk if isinstance(article, Article) else article
    return Article.objects.select_for_update().select_related("topic", "author").get(pk=pk)


def check_allowed(article: Article, name: str, user: User, *, conditions: bool = True) -> None:
    """Raise WorkflowError naming the first reason ``user`` may not take ``name``.

    With ``conditions=False`` only the source state and the permission are
    checked, for a caller that lets the transition itself check its conditions.
    """
    info = transition_info(name)
    meta = getattr(Article, name)._django_fsm
    fsm = meta.get_transition(article.state)
    if fsm is None:
        raise WorkflowError(
            _("“%(action)s” is not possible while the article is %(state)s.")
            % {"action": info.label, "state": article.get_state_display().lower()}
        )
    if not fsm.has_perm(article, user):
        raise WorkflowError(str(getattr(fsm.permission, "refusal", _("You may not do this."))))
    if not conditions:
        return
    for condition in fsm.conditions:
        if not condition(article):
            raise WorkflowError(refusal(condition, article))


def _transition(
    article: Article | int,
    name: str,
    *,
    by: User,
    comment: str = "",
    expected_state: str | None = None,
    locked: bool = False,
) -> Article:
    """Run the transition ``name`` in the shape every workflow write follows.

    ``locked`` says that ``article`` is the instance ``lock`` returned earlier
    in the enclosing transaction (a decision that moves the article): the row
    is held already and has not changed since, so it is not read again.
    """
    comment = (comment or "").strip()
    info = transition_info(name)
    if info.comment == "required" and not comment:
        raise WorkflowError(
            _("“%(action)s” needs a comment that explains why.") % {"action": info.label}
        )
    if locked and not isinstance(article, Article):
        raise TypeError("locked=True needs the Article instance that lock() returned.")
    from reviewers.selectors import round_settled

    # A caller that holds the lock holds its transaction too: no savepoint.
    with transaction.atomic(savepoint=not locked), rendering_once():
        if not locked:
            article = lock(article)
        if expected_state is not None and article.state != expected_state:
            raise ConcurrentChange(
                _(
                    "This article has already changed: it is now %(state)s. "
                    "Nothing was done; look at it again before you act."
                )
                % {"state": article.get_state_display().lower()}
            )
        from_state = article.state
        # No decision is recorded from here to the snapshot, so the permission,
        # the condition and the byline share the approval policy's answers.
        with round_settled():
            # The transition checks its own conditions: checking them here as
            # well would run every query and render of the approval rule twice.
            check_allowed(article, name, by, conditions=False)
            if name == "approve":
                # The citation check counts the references the version then copies.
                prefetch_related_objects([article], "references")
            try:
                getattr(article, name)()
            except TransitionNotAllowed as error:
                # Nothing changed; name the condition that failed, in plain words.
                check_allowed(article, name, by)
                # Reached only if a condition changed its answer in between.
                raise WorkflowError(str(error)) from error  # pragma: no cover
            if name == "approve":
                _publish(article, by)
        article._history_user = by
        article._change_reason = f"{info.label}: {comment}" if comment else info.label
        article.save()
        AuditEntry.objects.create(
            article=article,
            transition=name,
            from_state=from_state,
            to_state=article.state,
            by=by,
            comment=comment,
        )
        if name in ROUND_ENDING:
            from reviewers.services import assignments_close_round

            assignments_close_round(article=article, by=by)
        if name == "submit" and settings.EDITORIAL_REINVITE_ON_RESUBMIT:
            from reviewers.services import assignments_reinvite

            # A resubmission goes back to the reviewers who asked for changes.
            assignments_reinvite(article=article, by=by)
        transaction.on_commit(
            lambda: article_transitioned.send(
                sender=Article,
                article=article,
                transition=name,
                from_state=from_state,
                to_state=article.state,
                by=by,
                comment=comment,
            )
        )
    return article


# Transitions after which the current round's open assignments can no longer
# be answered.
ROUND_ENDING = frozenset({"withdraw", "request_changes", "approve", "reject", "retract"})


def version_from_working_copy(article: Article, *, by: User | None = None) -> PublishedVersion:
    """Build (unsaved) the version that approving the article now would publish.

    The admin's preview renders this very object, so a reviewer reads exactly
    what readers would get.
    """
    from reviewers.selectors import approving_members

    references = list(article.references.all())
    return PublishedVersion(
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


def _publish(article: Article, by: User) -> None:
    """Freeze the approved working copy into a new, numbered published version."""
    version = version_from_working_copy(article, by=by)
    version.approved_at = timezone.now()
    # Approval comes from review, so both earlier dates exist; a version
    # must carry all three whatever the data.
    version.submitted_at = version.submitted_at or version.approved_at
    version.review_started_at = version.review_started_at or version.submitted_at
    version.last_reviewed = timezone.localdate(version.approved_at)
    version.next_review_due = version.last_reviewed + relativedelta(
        months=article.topic.review_interval_months or settings.EDITORIAL_REVIEW_INTERVAL_MONTHS
    )
    previous = article.versions.order_by("-number").first()
    version.number = (previous.number if previous else 0) + 1
    if not version.change_note:
        version.change_note = _default_change_note(previous, version)
    version.save()
    article.live_version = version
    # The note described this revision; the next one starts with a blank.
    article.change_note = ""


def _default_change_note(previous: PublishedVersion | None, version: PublishedVersion) -> str:
    if previous is None:
        return _("First published.")
    unchanged = (
        previous.title == version.title
        and previous.body_source == version.body_source
        and previous.plain_body_source == version.plain_body_source
        and previous.references == version.references
    )
    if unchanged:
        return _("Re-reviewed by the board; the text did not change.")
    return _("Updated and approved by the board.")


# --- The transitions -------------------------------------------------------------


def article_submit(*, article: Article | int, by: User, comment: str = "", **kw) -> Article:
    return _transition(article, "submit", by=by, comment=comment, **kw)


def article_withdraw(*, article: Article | int, by: User, comment: str = "", **kw) -> Article:
    return _transition(article, "withdraw", by=by, comment=comment, **kw)


def article_start_review(*, article: Article | int, by: User, comment: str = "", **kw) -> Article:
    return _transition(article, "start_review", by=by, comment=comment, **kw)


def article_request_changes(*, article: Article | int, by: User, comment: str, **kw) -> Article:
    return _transition(article, "request_changes", by=by, comment=comment, **kw)


def article_approve(*, article: Article | int, by: User, comment: str = "", **kw) -> Article:
    return _transition(article, "approve", by=by, comment=comment, **kw)


def article_reject(*, article: Article | int, by: User, comment: str, **kw) -> Article:
    return _transition(article, "reject", by=by, comment=comment, **kw)


def article_reopen(*, article: Article | int, by: User, comment: str = "", **kw) -> Article:
    return _transition(article, "reopen", by=by, comment=comment, **kw)


def article_revise(*, article: Article | int, by: User, comment: str = "", **kw) -> Article:
    return _transition(article, "revise", by=by, comment=comment, **kw)


def article_start_rereview(*, article: Article | int, by: User, comment: str = "", **kw) -> Article:
    return _transition(article, "start_rereview", by=by, comment=comment, **kw)


def article_retract(*, article: Article | int, by: User, reason: str, **kw) -> Article:
    return _transition(article, "retract", by=by, comment=reason, **kw)


def article_transition(
    *, article: Article | int, name: str, by: User, comment: str = "", expected_state=None
) -> Article:
    """Run the transition called ``name``: the entry point of the admin's buttons."""
    return _transition(article, name, by=by, comment=comment, expected_state=expected_state)


CONTENT_FIELDS = (
    "title",
    "slug",
    "summary",
    "body",
    "plain_body",
    "origin",
    "generator",
    "generator_version",
    "source_reference",
    "change_note",
    "topic",
)


def _validate(article: Article) -> None:
    """Refuse invalid content from any caller, not only the admin's form."""
    try:
        # The protected state field refuses the re-assignment clean_fields makes.
        article.full_clean(exclude=["state"])
    except ValidationError as error:
        messages = [f"{field}: {' '.join(errs)}" for field, errs in error.message_dict.items()]
        raise WorkflowError(_("Nothing was saved. ") + "; ".join(messages)) from error


def article_save_content(*, article: Article, by: User) -> Article:
    """Save an author's or editor's edit of the working copy's content.

    A new article belongs to the user who creates it. Content is frozen once
    submitted, so that what the board reviews is what gets published. Only
    the content fields are copied onto a freshly locked row: a form loaded
    before a transition cannot write back a stale state or round.
    """
    with transaction.atomic():
        if article._state.adding:
            if not is_author_role(by):
                raise WorkflowError(_("Only authors and editors can write articles."))
            article.author = by
            _validate(article)
            article._history_user = by
            article._change_reason = _("Created")
            article.save()
            return article
        current = lock(article)
        if not (wrote(current, by) or is_editor(by)):
            raise WorkflowError(
                _("Only the article's author or an editor can edit it. Nothing was saved.")
            )
        if not current.is_editable:
            raise WorkflowError(
                _(
                    "The article is %(state)s: its content can be edited only as a draft "
                    "or after changes were requested. Nothing was saved."
                )
                % {"state": current.get_state_display().lower()}
            )
        for field in CONTENT_FIELDS:
            setattr(current, field, getattr(article, field))
        _validate(current)
        current._history_user = by
        current._change_reason = _("Edited in admin")
        current.save()
        return current
