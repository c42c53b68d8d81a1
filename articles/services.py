"""Every write that moves an article through its workflow.

One shape for each transition, as in Wagtail's workflow models: lock the row,
refuse with a plain reason, change, save with a change reason, write the
audit entry and the action-log row (and, on approval, the published version),
and announce the change only after commit. The admin and the views call
these functions; nothing else changes an article's state: the manager
refuses bulk writes of workflow fields (articles.models.ArticleQuerySet),
triggers refuse a state change without its action-log row (migration
0010), and ``manage.py verify_audit`` reports whatever raw SQL got past.
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

from articles import surrogate
from articles.actionlog import log_action
from articles.conditions import is_author_role, is_editor, wrote
from articles.exceptions import ConcurrentChange, WorkflowError
from articles.fingerprints import article_fingerprint, short, version_fingerprint
from articles.models import Article, AuditEntry, PublishedVersion, display_name
from articles.rendering import render_markdown, rendering_once
from articles.signals import article_transitioned

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser as User


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
    change_note: str | None = None,
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
        if name == "approve":
            _check_change_note(article, change_note)
        live_before = article.live_version_id
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
            elif name in ("revise", "submit"):
                _prefill_change_note(article, comment)
        payload = {"comment": comment}
        if name == "approve":
            payload["version"] = article.live_version.number
        # The row comes first: the database refuses a state change that its
        # article's action log does not record (migration 0010).
        entry = log_action(
            action=f"article.{name}",
            by=by,
            article=article,
            from_state=from_state,
            to_state=article.state,
            fingerprint=(
                article.live_version.fingerprint
                if name == "approve"
                else article_fingerprint(article)
            ),
            payload=payload,
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
        if name in ROUND_ENDING:
            from reviewers.services import assignments_close_round

            assignments_close_round(article=article, by=by)
        if name == "submit" and settings.EDITORIAL_REINVITE_ON_RESUBMIT:
            from reviewers.services import assignments_reinvite

            # A resubmission goes back to the reviewers who asked for changes.
            assignments_reinvite(article=article)
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
    _check_approvals_name(article, version.fingerprint)
    version.save()
    article.live_version = version
    from articles.reports import reports_close_on_publication

    reports_close_on_publication(article=article, version=version, by=by)
    # The note described this revision; the next one starts with a blank.
    article.change_note = ""


def _check_approvals_name(article: Article, fingerprint: str) -> None:
    """Refuse to publish a text that a counted approval did not see."""
    from reviewers.selectors import approving_members

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
    unchanged = PublishedVersion.objects.filter(
        pk=article.live_version_id,
        title=article.title,
        summary=article.summary,
        body_source=article.body,
        plain_body_source=article.plain_body,
        urgent_help_source=article.urgent_help,
    )
    return not unchanged.exists()


def _check_change_note(article: Article, change_note: str | None) -> None:
    # The editor's wording, when they gave one, replaces the author's.
    if change_note is not None:
        article.change_note = " ".join(change_note.split())[
            : Article._meta.get_field("change_note").max_length
        ]
    if change_note_needed(article):
        raise WorkflowError(
            _(
                "Write what changed in this version, in a sentence for readers: the public "
                "change log shows it. Nothing was approved."
            )
        )


def _prefill_change_note(article: Article, comment: str) -> None:
    """A revision's public note starts as the author's own words about it."""
    if article.live_version_id is not None and comment and not article.change_note.strip():
        article.change_note = " ".join(comment.split())[
            : Article._meta.get_field("change_note").max_length
        ]


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


def article_approve(
    *, article: Article | int, by: User, comment: str = "", change_note: str | None = None, **kw
) -> Article:
    return _transition(article, "approve", by=by, comment=comment, change_note=change_note, **kw)


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
    *,
    article: Article | int,
    name: str,
    by: User,
    comment: str = "",
    expected_state=None,
    change_note: str | None = None,
) -> Article:
    """Run the transition called ``name``: the entry point of the admin's buttons.

    ``change_note``, for an approval, is the public "What changed" line as
    the editor left it (pre-filled with the author's).
    """
    return _transition(
        article,
        name,
        by=by,
        comment=comment,
        expected_state=expected_state,
        change_note=change_note,
    )


CONTENT_FIELDS = Article.CONTENT_FIELDS


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
        changed = [
            field
            for field in CONTENT_FIELDS
            if getattr(current, field if field != "topic" else "topic_id")
            != getattr(article, field if field != "topic" else "topic_id")
        ]
        for field in CONTENT_FIELDS:
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
    article = lock(article)
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

# To the top of the module once merged (articles.history then imports
# transition_info from articles.transitions, no longer from here).
from articles.conditions import restore_refusal  # noqa: E402
from articles.fingerprints import fingerprint  # noqa: E402
from articles.history.revisions import (  # noqa: E402
    REFERENCE_FIELDS,
    ReferenceState,
    next_revision_date,
    references_before,
    revision_row,
    same_content,
    same_references,
)
from articles.models import Reference, Topic  # noqa: E402


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
        current = lock(pk)
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
