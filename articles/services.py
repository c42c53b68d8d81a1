"""Every write of an article: its transitions, its content, its references.

One shape for every transition, as in Wagtail's workflow models, kept in
one place (``_transition``): lock the row, refuse with a plain reason,
change, save with a change reason, write the audit entry and the
action-log row, and announce the change in the same transaction (receivers
queue email that the worker sends once it commits). What a transition does
beyond that shape its own service states, as hooks the skeleton runs at
fixed points: ``article_approve`` publishes and closes the round,
``article_submit`` may invite last round's reviewers again, and so on.

The admin and the views call these functions; nothing else changes an
article's state: the manager refuses bulk writes of workflow fields
(articles.models.ArticleQuerySet), triggers refuse a state change without
its action-log row (migration 0010), and ``manage.py verify_audit`` reports
whatever raw SQL got past.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed

from articles import surrogate
from articles.actionlog import log_action
from articles.choices import OPEN_REPORT_STATUSES, ReportStatus
from articles.conditions import restore_refusal, wrote
from articles.exceptions import ConcurrentChange, WorkflowError
from articles.fingerprints import article_fingerprint, fingerprint
from articles.history.revisions import (
    REFERENCE_FIELDS,
    ReferenceState,
    next_revision_date,
    references_before,
    revision_row,
    same_content,
    same_references,
)
from articles.models import Article, AuditEntry, ProblemReport, PublishedVersion, Reference, Topic
from articles.publishing import (
    change_note_needed,
    check_approvals_name,
    default_change_note,
    version_from_working_copy,
)
from articles.rendering import rendering_once
from articles.roles import is_author_role, is_editor
from articles.signals import article_transitioned
from articles.transitions import check_allowed, transition_info
from reviewers import rounds
from reviewers.policy import round_settled

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser as User

# A verb's own step in the skeleton, called with ``article=`` the locked row.
Hook = Callable[..., object]


def _transition(
    article: Article | int,
    name: str,
    *,
    by: User,
    comment: str,
    expected_state: str | None = None,
    locked: bool = False,
    before_check: Hook | None = None,
    before_save: Hook | None = None,
    after_save: Hook | None = None,
) -> Article:
    """Run the transition ``name`` in the shape every workflow write follows.

    ``expected_state`` is the state the user saw: if the article has moved
    since, nothing is done (``ConcurrentChange``). ``locked`` says that
    ``article`` is the instance ``Article.objects.locked`` returned earlier
    in the enclosing transaction (a decision that moves the article): the
    row is held already and has not changed since, so it is not read again.

    The hooks are the verb's own steps: ``before_check`` runs on the locked
    row before anything is checked, ``before_save`` right after the
    transition and before anything is written (it may return details for
    the action-log row), ``after_save`` once the article and its trail are
    saved, before the change is announced.
    """
    comment = (comment or "").strip()
    info = transition_info(name)
    if info.comment == "required" and not comment:
        raise WorkflowError(
            _("“%(action)s” needs a comment that explains why.") % {"action": info.label}
        )
    if locked and not isinstance(article, Article):
        raise TypeError("locked=True needs the Article instance that Article.objects.locked gave.")
    # A caller that holds the lock holds its transaction too: no savepoint.
    with transaction.atomic(savepoint=not locked), rendering_once():
        if not locked:
            article = Article.objects.locked(article)
        if expected_state is not None and article.state != expected_state:
            raise ConcurrentChange(
                _(
                    "This article has already changed: it is now %(state)s. "
                    "Nothing was done; look at it again before you act."
                )
                % {"state": article.get_state_display().lower()}
            )
        from_state = article.state
        live_before = article.live_version_id
        if before_check is not None:
            before_check(article=article)
        details = {}
        # No decision is recorded from here to the snapshot, so the permission,
        # the condition and the byline share the approval policy's answers.
        with round_settled():
            # The transition checks its own conditions: checking them here as
            # well would run every query and render of the approval rule twice.
            check_allowed(article, name, by, conditions=False)
            try:
                getattr(article, name)()
            except TransitionNotAllowed as error:
                # Nothing changed; name the condition that failed, in plain words.
                check_allowed(article, name, by)
                # Reached only if a condition changed its answer in between.
                raise WorkflowError(str(error)) from error  # pragma: no cover
            if before_save is not None:
                details = before_save(article=article) or {}
        # The row comes first: the database refuses a state change that its
        # article's action log does not record (migration 0010).
        entry = log_action(
            action=f"article.{name}",
            by=by,
            article=article,
            from_state=from_state,
            to_state=article.state,
            fingerprint=article_fingerprint(article),
            payload={"comment": comment, **details},
        )
        article.action_seq = entry.seq
        article._history_user = by
        article._change_reason = f"{info.label}: {comment}" if comment else info.label
        article.save()
        # Purged from the shared caches once this commits (articles/surrogate.py).
        surrogate.article_transitioned(article, live_before=live_before)
        AuditEntry.objects.create(
            article=article,
            transition=name,
            from_state=from_state,
            to_state=article.state,
            by=by,
            comment=comment,
        )
        if after_save is not None:
            after_save(article=article)
        article_transitioned.send(
            sender=Article,
            article=article,
            transition=name,
            from_state=from_state,
            to_state=article.state,
            by=by,
            comment=comment,
        )
    return article


# --- Approving -----------------------------------------------------------------------------


def _prepare_approval(*, article: Article, change_note: str | None) -> None:
    """Load what approving reads twice, then refuse a changed text without its public note."""
    # The citation check counts the references the version then copies.
    prefetch_related_objects([article], "references")
    _check_change_note(article, change_note)


def _publish(*, article: Article, by: User) -> dict:
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
        version.change_note = default_change_note(previous, version)
    check_approvals_name(article, version.fingerprint)
    version.save()
    article.live_version = version
    _close_fixed_reports(article=article, version=version, by=by)
    # The note described this revision; the next one starts with a blank.
    article.change_note = ""
    return {"version": version.number}


def _close_fixed_reports(*, article: Article, version: PublishedVersion, by: User) -> None:
    """Close the open reports a revision was started from, now that it is published.

    Runs inside the approval's transaction: the reports close with the
    publication or not at all.
    """
    reports = ProblemReport.objects.select_for_update().filter(
        article=article, revision_started_at__isnull=False, status__in=OPEN_REPORT_STATUSES
    )
    note = _("Fixed by version %(n)s, published %(date)s.") % {
        "n": version.number,
        "date": timezone.localdate(version.approved_at).strftime("%-d %B %Y"),
    }
    for report in reports:
        report.status = ReportStatus.RESOLVED
        report.editor_note = f"{report.editor_note}\n{note}".strip()
        report._history_user = by
        report._change_reason = note
        report.save()


# --- The public "What changed" line -----------------------------------------------------


def _check_change_note(article: Article, change_note: str | None) -> None:
    # The editor's wording, when they gave one, replaces the author's.
    if change_note is not None:
        article.change_note = _one_line(change_note)
    if change_note_needed(article):
        raise WorkflowError(
            _(
                "Write what changed in this version, in a sentence for readers: the public "
                "change log shows it. Nothing was approved."
            )
        )


def _prefill_change_note(*, article: Article, comment: str) -> None:
    """A revision's public note starts as the author's own words about it."""
    comment = _one_line(comment)
    if article.live_version_id is not None and comment and not article.change_note.strip():
        article.change_note = comment


def _one_line(text: str) -> str:
    return " ".join(text.split())[: Article._meta.get_field("change_note").max_length]


# --- The transitions --------------------------------------------------------------------
# Each states what it does beyond the common shape. The round-ending ones
# close the round's unanswered invitations: nobody can answer them any more.


def article_submit(
    *, article: Article | int, by: User, comment: str = "", expected_state: str | None = None
) -> Article:
    """The author sends the text to review; a resubmission may invite last round's reviewers."""
    return _transition(
        article,
        "submit",
        by=by,
        comment=comment,
        expected_state=expected_state,
        before_save=partial(_prefill_change_note, comment=comment),
        # A resubmission goes back to the reviewers who asked for changes.
        after_save=rounds.assignments_reinvite if settings.EDITORIAL_REINVITE_ON_RESUBMIT else None,
    )


def article_withdraw(
    *, article: Article | int, by: User, comment: str = "", expected_state: str | None = None
) -> Article:
    """The author takes the article back out of review; the round ends."""
    return _transition(
        article,
        "withdraw",
        by=by,
        comment=comment,
        expected_state=expected_state,
        after_save=partial(rounds.assignments_close_round, by=by),
    )


def article_start_review(
    *,
    article: Article | int,
    by: User,
    comment: str = "",
    expected_state: str | None = None,
    locked: bool = False,
) -> Article:
    """An editor, or the first member to accept (``locked``), starts the review."""
    return _transition(
        article,
        "start_review",
        by=by,
        comment=comment,
        expected_state=expected_state,
        locked=locked,
    )


def article_request_changes(
    *,
    article: Article | int,
    by: User,
    comment: str,
    expected_state: str | None = None,
    locked: bool = False,
) -> Article:
    """Send the article back to its author; by an editor, or a member's decision (``locked``)."""
    return _transition(
        article,
        "request_changes",
        by=by,
        comment=comment,
        expected_state=expected_state,
        locked=locked,
        after_save=partial(rounds.assignments_close_round, by=by),
    )


def article_approve(
    *,
    article: Article | int,
    by: User,
    comment: str = "",
    change_note: str | None = None,
    expected_state: str | None = None,
    locked: bool = False,
) -> Article:
    """Publish the working copy as the next version readers see; the round ends.

    ``change_note`` is the public "What changed" line as the editor wrote it;
    ``None`` keeps the author's. ``locked``: a member's decision approves.
    """
    return _transition(
        article,
        "approve",
        by=by,
        comment=comment,
        expected_state=expected_state,
        locked=locked,
        before_check=partial(_prepare_approval, change_note=change_note),
        before_save=partial(_publish, by=by),
        after_save=partial(rounds.assignments_close_round, by=by),
    )


def article_reject(
    *, article: Article | int, by: User, comment: str, expected_state: str | None = None
) -> Article:
    """An editor rejects the article, saying why; the round ends."""
    return _transition(
        article,
        "reject",
        by=by,
        comment=comment,
        expected_state=expected_state,
        after_save=partial(rounds.assignments_close_round, by=by),
    )


def article_reopen(
    *, article: Article | int, by: User, comment: str = "", expected_state: str | None = None
) -> Article:
    """A rejected or retracted article becomes a draft again."""
    return _transition(article, "reopen", by=by, comment=comment, expected_state=expected_state)


def article_revise(
    *, article: Article | int, by: User, comment: str = "", expected_state: str | None = None
) -> Article:
    """Open a draft of an approved article; readers keep the approved version meanwhile."""
    return _transition(
        article,
        "revise",
        by=by,
        comment=comment,
        expected_state=expected_state,
        before_save=partial(_prefill_change_note, comment=comment),
    )


def article_start_rereview(
    *, article: Article | int, by: User, comment: str = "", expected_state: str | None = None
) -> Article:
    """Put the approved text, unchanged, before the board again in a new round."""
    return _transition(
        article, "start_rereview", by=by, comment=comment, expected_state=expected_state
    )


def article_retract(
    *, article: Article | int, by: User, reason: str, expected_state: str | None = None
) -> Article:
    """Take down what readers see, saying why; any round under way ends."""
    return _transition(
        article,
        "retract",
        by=by,
        comment=reason,
        expected_state=expected_state,
        after_save=partial(rounds.assignments_close_round, by=by),
    )


def article_transition(
    *,
    article: Article | int,
    name: str,
    by: User,
    comment: str = "",
    expected_state: str | None = None,
    change_note: str | None = None,
) -> Article:
    """Run the transition called ``name``: the entry point of the admin's buttons.

    Each name runs its own service, so a button does exactly what that
    service says. ``comment`` is the form's text (a retraction's reason);
    ``change_note`` is the approval form's public "What changed" line as
    the editor left it (pre-filled with the author's); no other form has one.
    """
    services: dict[str, Callable[..., Article]] = {
        "submit": partial(article_submit, comment=comment),
        "withdraw": partial(article_withdraw, comment=comment),
        "start_review": partial(article_start_review, comment=comment),
        "request_changes": partial(article_request_changes, comment=comment),
        "approve": partial(article_approve, comment=comment, change_note=change_note),
        "reject": partial(article_reject, comment=comment),
        "reopen": partial(article_reopen, comment=comment),
        "revise": partial(article_revise, comment=comment),
        "start_rereview": partial(article_start_rereview, comment=comment),
        "retract": partial(article_retract, reason=comment),
    }
    if name not in services:
        raise WorkflowError(_("“%(name)s” is not a workflow action.") % {"name": name})
    return services[name](article=article, by=by, expected_state=expected_state)


# --- Content --------------------------------------------------------------------------------


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
            # A new article's chain is empty: its first action is number 1.
            article.action_seq = 1
            article.save()
            log_action(
                action="article.create",
                by=by,
                article=article,
                to_state=article.state,
                fingerprint=article_fingerprint(article),
                payload={"title": article.title},
            )
            return article
        current = Article.objects.locked(article)
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
        attnames = [Article._meta.get_field(name).attname for name in Article.CONTENT_FIELDS]
        changed = [
            name
            for name, attname in zip(Article.CONTENT_FIELDS, attnames, strict=True)
            if getattr(current, attname) != getattr(article, attname)
        ]
        for field in Article.CONTENT_FIELDS:
            setattr(current, field, getattr(article, field))
        _validate(current)
        entry = log_action(
            action="article.edit",
            by=by,
            article=current,
            from_state=current.state,
            to_state=current.state,
            fingerprint=article_fingerprint(current),
            payload={"changed": changed},
        )
        current.action_seq = entry.seq
        current._history_user = by
        current._change_reason = _("Edited in admin")
        current.save()
        # The admin logs its reference changes as part of this save.
        article.action_seq = entry.seq
        return current


def article_references_saved(
    *, article: Article, by: User, notes: list[str], part_of: int | None = None
) -> None:
    """Record in the action log that the article's references were just changed.

    The references themselves are saved by the caller (the admin's form set,
    a restore) in the same transaction. ``part_of`` is the position in the
    log of the article save they came with, if any; ``notes`` say what
    changed, one line per reference.
    """
    if not notes:
        return
    article = Article.objects.locked(article)
    log_action(
        action="article.references",
        by=by,
        article=article,
        from_state=article.state,
        to_state=article.state,
        fingerprint=article_fingerprint(article),
        payload={"part_of": part_of, "notes": notes},
    )


# --- Restoring an earlier revision ---------------------------------------------------


def restore_reason(number: int) -> str:
    return _("Restored from revision %(number)s") % {"number": number}


def article_restore(*, article: Article | int, number: int, by: User) -> Article:
    """Make an earlier revision's text the working copy again, as a new revision.

    Nothing in the history is changed or removed: the article gets one new
    revision (and its references one new row each where they change) with the
    reason "Restored from revision N". The article stays a draft (or back for
    changes) and must be submitted and reviewed like any edit.
    """
    pk = article.pk if isinstance(article, Article) else article
    with transaction.atomic():
        current = Article.objects.locked(pk)
        refusal = restore_refusal(current, by)
        if refusal:
            raise WorkflowError(refusal)
        row = revision_row(current, number)
        reason = restore_reason(number)
        wanted = references_before(current, next_revision_date(current, row.history_id))
        existing = list(Reference.objects.select_for_update().filter(article=current))
        if same_content(current, row) and same_references(existing, wanted):
            raise WorkflowError(
                _(
                    "The current text and references are already those of revision "
                    "%(number)s: nothing to restore."
                )
                % {"number": number}
            )
        for name in Article.CONTENT_FIELDS:
            attname = Article._meta.get_field(name).attname
            setattr(current, attname, getattr(row, attname))
        if not Topic.objects.filter(pk=current.topic_id).exists():  # pragma: no cover - PROTECT
            raise WorkflowError(_("The topic of that revision no longer exists."))
        try:
            _validate(current)
        except WorkflowError as error:
            raise WorkflowError(
                _("Revision %(number)s cannot be restored as it is. ") % {"number": number}
                + error.message
            ) from error
        entry = log_action(
            action="article.restore",
            by=by,
            article=current,
            from_state=current.state,
            to_state=current.state,
            fingerprint=fingerprint(
                {name: getattr(current, name) for name in Article.REVIEWABLE_FIELDS},
                [{name: getattr(ref, name) for name in REFERENCE_FIELDS} for ref in wanted],
            ),
            payload={"from_revision": number, "from_history_row": row.history_id},
        )
        current.action_seq = entry.seq
        current._history_user = by
        current._change_reason = reason
        current.save()
        _restore_references(current, wanted, existing, by=by, reason=reason)
    return current


def _restore_references(
    article: Article,
    wanted: list[ReferenceState],
    current: list[Reference],
    *,
    by: User,
    reason: str,
) -> None:
    """Bring the article's references back to ``wanted``, one history row per change."""
    wanted_ids = {ref.id for ref in wanted}
    existing = {ref.pk: ref for ref in current}
    for pk, reference in existing.items():
        if pk not in wanted_ids:
            reference._history_user = by
            reference._change_reason = reason
            reference.delete()
    for state in wanted:
        reference = existing.get(state.id)
        if reference is None:
            # A reference deleted since: it comes back as a new row, its old
            # history kept under its old id.
            reference = Reference(article=article)
        elif all(getattr(reference, n) == getattr(state, n) for n in REFERENCE_FIELDS):
            continue
        for name in REFERENCE_FIELDS:
            setattr(reference, name, getattr(state, name))
        reference._history_user = by
        reference._change_reason = reason
        reference.save()
