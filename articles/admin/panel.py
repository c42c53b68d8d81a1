"""The workflow panel of an article's admin page: what it offers and shows, to whom.

``workflow_context`` gathers the panel's template keys (``wf_*``, and the
trail's ``hist_*`` from articles.admin.timeline) from small pieces, one per
part of the panel: the buttons, the assignments each person may read, the
editor's invitation form, the member's own review, the approval count, the
desk. It only reads: the actions it offers post to the one action view of
articles.admin.workflow, which writes through the services.

Who reads what follows articles.viewer.Viewer; who may act as an editor on
the article (invite, cancel) follows articles.conditions.by_other_editor.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.html import format_html, strip_tags
from django.utils.translation import gettext_lazy as _

from articles import history
from articles.admin.forms import TransitionForm
from articles.admin.timeline import timeline_context
from articles.choices import ArticleState
from articles.conditions import by_other_editor
from articles.fingerprints import article_fingerprint, short
from articles.models import Article, ProblemReport
from articles.publishing import version_from_working_copy
from articles.rendering import render_markdown, uncited_references
from articles.transitions import available_transitions, blocked_transitions
from articles.viewer import Viewer
from reviewers.choices import AssignmentStatus, Decision
from reviewers.forms import AcceptForm, AssignForm, DecisionForm, DeclineForm
from reviewers.models import ReviewAssignment
from reviewers.policy import (
    approval_count,
    approval_shortfall,
    approving_members,
    checklist_for,
    needs_specialist,
    required_approvals,
)
from reviewers.rounds import default_deadlines
from reviewers.selectors import assignable_members, candidate_rows, unavailable_members

STATE_COLOURS = {
    ArticleState.DRAFT: "grey",
    ArticleState.SUBMITTED: "blue",
    ArticleState.UNDER_REVIEW: "violet",
    ArticleState.CHANGES_REQUESTED: "amber",
    ArticleState.APPROVED: "green",
    ArticleState.REJECTED: "red",
    ArticleState.RETRACTED: "red",
}

# Days ahead in which a published version's next review counts as due.
REVIEW_DUE_WINDOW = 30

# Set apart and styled as destructive: they take something away from readers
# or end the article's road to publication.
DESTRUCTIVE_TRANSITIONS = frozenset({"retract", "reject"})

# Declines and cancellations, and their reasons, concern the member and the
# editors; an author follows the reviews that went ahead.
WITHDRAWN = frozenset({AssignmentStatus.DECLINED, AssignmentStatus.CANCELLED})

# Free text of a refused action that is shown back when its form is gone.
TYPED_FIELDS = frozenset(
    {"comment", "comment_to_author", "confidential_note", "conflict_statement", "reason"}
)


def state_pill(state: str, label: str) -> str:
    return format_html(
        '<span class="wf-pill wf-{}">{}</span>', STATE_COLOURS.get(state, "grey"), label
    )


# --- What a refused action leaves behind ----------------------------------------------


def _session_key(article: Article) -> str:
    return f"editorial:article:{article.pk}:pending"


def keep_input(request, article: Article, name: str, data) -> None:
    """Keep what the user typed into the form ``name`` so a refused action loses nothing."""
    request.session[_session_key(article)] = {
        "form": name,
        "data": {key: data.get(key, "") for key in data if key != "csrfmiddlewaretoken"},
    }


@dataclass
class Pending:
    """The input ``keep_input`` kept, taken once by the next view of the article's page."""

    form: str | None = None
    data: dict | None = None

    @classmethod
    def take(cls, request, article: Article) -> Pending:
        kept = request.session.pop(_session_key(article), None) or {}
        return cls(form=kept.get("form"), data=kept.get("data"))

    def restored(self, form_class, name: str, initial=None, resent=None, **kwargs):
        """The form as the user last sent it, errors shown, or a fresh one.

        ``resent``: values that replace what was sent, e.g. the text now on screen.
        """
        if self.form == name:
            data = {**self.data, **resent} if resent and self.data else self.data
            form = form_class(data, **kwargs)
            form.is_valid()
            return form
        return form_class(initial=initial, **kwargs)

    def unsent(self, shown: set[str]) -> list[str]:
        """Text typed into an action the page no longer offers, so it is not lost."""
        if not self.form or self.form in shown:
            return []
        return [
            value
            for key, value in (self.data or {}).items()
            if key in TYPED_FIELDS and value.strip()
        ]


# --- The buttons -------------------------------------------------------------------------


def effect_on_readers(name: str, article: Article) -> str:
    """One line under a workflow button: what pressing it does to what readers see."""
    public = article.live_version_id is not None
    effects = {
        "submit": _("Readers see no change: the text goes to the editors and is frozen."),
        "withdraw": _("Readers see no change: the article becomes a draft again."),
        "start_review": _("Readers see no change: the invited members may decide."),
        "request_changes": _("Readers see no change: the author revises and resubmits."),
        "approve": _("Readers see this text at once, replacing any earlier version."),
        "reject": (
            _(
                "Closes this revision. Readers keep seeing the live version; retract it to "
                "take it down."
            )
            if public
            else _("Closes the article: nothing of it was ever public.")
        ),
        "reopen": _("Readers see no change: the article becomes a draft again."),
        "revise": _("Readers keep the approved version until the revision is approved."),
        "start_rereview": _(
            "Readers keep seeing the approved text, unchanged, while the board reviews it."
        ),
        "retract": _(
            "Readers lose the page at once: its address shows a retraction notice instead."
        ),
    }
    return str(effects.get(name, ""))


def transition_buttons(article: Article, user, pending: Pending) -> tuple[list, list]:
    """The transitions this user may take, with their forms, and those greyed out, with why."""
    actions = [
        {
            "info": info,
            "form": pending.restored(
                TransitionForm, f"transition:{info.name}", initial={"state": article.state}
            ),
            "effect": effect_on_readers(info.name, article),
            "danger": info.name in DESTRUCTIVE_TRANSITIONS,
        }
        for info in available_transitions(article, user)
    ]
    blocked = [
        {"info": info, "reason": reason} for info, reason in blocked_transitions(article, user)
    ]
    return actions, blocked


# --- The assignments -------------------------------------------------------------------


def sees_assignment(viewer: Viewer, assignment) -> bool:
    """Whether the panel shows this assignment to this viewer.

    Editors see the whole staffing; the author the reviews that went ahead;
    a board member their own assignments, not their colleagues'.
    """
    if not viewer.sees_decision(assignment.reviewer.user_id):
        return False
    return viewer.editor or not viewer.author or assignment.status not in WITHDRAWN


def shown_assignments(article: Article, viewer: Viewer) -> list:
    """The article's assignments this viewer may read, newest round first."""
    assignments = article.assignments.select_related(
        "reviewer__user", "decision", "assigned_by"
    ).order_by("-round", "assigned_at", "id")
    return [a for a in assignments if sees_assignment(viewer, a)]


def number_reviewed_revisions(assignments, listing: list[history.Revision]) -> None:
    """Give each decision the timeline's number of the revision it reviewed."""
    decisions = [
        a.decision
        for a in assignments
        if getattr(a, "decision", None) is not None and a.decision.reviewed_revision
    ]
    if not decisions:
        return
    numbers = {r.history_id: r.number for r in listing}
    for decision in decisions:
        decision.revision_number = numbers.get(decision.reviewed_revision)


def mark_uncounted(article: Article, assignments) -> None:
    """Say beside each approval of this round that no longer counts why it does not."""
    in_review = article.state == ArticleState.UNDER_REVIEW
    counting = {m.pk for m in approving_members(article)} if in_review else set()
    for a in assignments:
        a.not_counted = ""
        decision = getattr(a, "decision", None)
        if (
            in_review
            and decision is not None
            and a.round == article.review_round
            and decision.decision == Decision.APPROVE
            and not decision.conflict_declared
            and a.reviewer_id not in counting
        ):
            a.not_counted = a.reviewer.unavailability() or _("Not on the board any more.")


def by_round(assignments) -> list[dict]:
    rounds: list[dict] = []
    for a in assignments:
        if not rounds or rounds[-1]["number"] != a.round:
            rounds.append({"number": a.round, "assignments": []})
        rounds[-1]["assignments"].append(a)
    return rounds


def requested_changes(article: Article, assignments) -> list:
    """The decisions of this round that sent the article back to its author."""
    if article.state != ArticleState.CHANGES_REQUESTED:
        return []
    return [
        a.decision
        for a in assignments
        if a.round == article.review_round
        and getattr(a, "decision", None) is not None
        and a.decision.decision == Decision.REQUEST_CHANGES
    ]


def invitation_form(article: Article, user, pending: Pending, reviewing: bool):
    """The editor's form to invite members, and the members who cannot be invited now."""
    if not (reviewing and by_other_editor(article, user)):
        return None, []
    respond_by, due_date = default_deadlines()
    form = pending.restored(
        AssignForm,
        "assign",
        initial={"respond_by": respond_by, "due_date": due_date},
        candidates=assignable_members(article),
    )
    return form, unavailable_members(article)


# --- The member's own review -----------------------------------------------------------


@dataclass
class OwnReview:
    """What a board member asked to review this article sees of their part."""

    invitation: ReviewAssignment | None = None
    decline_form: DeclineForm | None = None
    assignment: ReviewAssignment | None = None
    decision_form: DecisionForm | None = None
    preview_html: str | None = None
    fingerprint: str = ""


def own_review(
    article: Article, user, assignments, pending: Pending, listing, reviewing: bool
) -> OwnReview:
    def mine(status):
        return next(
            (
                a
                for a in assignments
                if a.reviewer.user_id == user.pk
                and a.status == status
                and a.round == article.review_round
            ),
            None,
        )

    review = OwnReview(invitation=mine(AssignmentStatus.INVITED) if reviewing else None)
    if review.invitation:
        review.decline_form = pending.restored(DeclineForm, "decline")
    review.assignment = mine(AssignmentStatus.OPEN)
    if not reviewing or not (review.assignment or review.invitation):
        return review
    review.fingerprint = article_fingerprint(article)
    if review.assignment is not None and article.state == ArticleState.UNDER_REVIEW:
        # The decision names the text on screen; a form sent back comes
        # back under the text now shown.
        on_screen = {"fingerprint": review.fingerprint, "revision": listing[-1].history_id}
        review.decision_form = pending.restored(
            DecisionForm,
            "decide",
            initial=on_screen,
            resent=on_screen if pending.form == "decide" else None,
            questions=checklist_for(article.topic),
        )
    review.preview_html = version_from_working_copy(article).body_html
    return review


def _rendered_words(markdown: str) -> str:
    """The text a reader sees, without Markdown or tags, one paragraph a line."""
    return strip_tags(render_markdown(markdown or ""))


def reviewed_diff(article: Article, user) -> dict | None:
    """What changed, word by word, since the revision this member last reviewed."""
    decision = history.reviewed_decision(article, user)
    if decision is None:
        return None
    number = history.reviewed_revision_number(article, decision)
    row = history.revision_row(article, number)
    return {
        "number": number,
        "body": history.word_diff(_rendered_words(row.body), _rendered_words(article.body)),
        "plain": history.word_diff(
            _rendered_words(row.plain_body), _rendered_words(article.plain_body)
        ),
    }


# --- The desk: what each role acts on from this page -------------------------------------


def open_reports(article: Article) -> list:
    return list(
        ProblemReport.objects.filter(article=article, status__in=["new", "in_progress"])
        .select_related("version")
        .order_by("created_at", "id")
    )


def declines_this_round(article: Article, assignments) -> list:
    return [
        a
        for a in assignments
        if a.status == AssignmentStatus.DECLINED and a.round == article.review_round
    ]


def candidates(assign_form) -> list:
    """The invitation form's members as table rows, ticked as the user left them."""
    rows = candidate_rows(assign_form.fields["reviewer"].queryset)
    chosen = set(map(str, assign_form["reviewer"].value() or []))
    for row in rows:
        row.checked = str(row.member.pk) in chosen
    return rows


# --- The whole panel ---------------------------------------------------------------------


def workflow_context(request, article: Article) -> dict:
    """The template keys of the workflow panel and the trail, for this user."""
    user = request.user
    pending = Pending.take(request, article)
    actions, blocked = transition_buttons(article, user, pending)
    viewer = Viewer.of(user, article)
    assignments = shown_assignments(article, viewer)
    listing = history.revisions(article)
    number_reviewed_revisions(assignments, listing)
    reviewing = article.state in (ArticleState.SUBMITTED, ArticleState.UNDER_REVIEW)
    assign_form, unavailable = invitation_form(article, user, pending, reviewing)
    review = own_review(article, user, assignments, pending, listing, reviewing)
    offered = {f"transition:{a['info'].name}" for a in actions}
    for name, form in (
        ("decide", review.decision_form),
        ("assign", assign_form),
        ("decline", review.decline_form),
    ):
        if form is not None:
            offered.add(name)
    mark_uncounted(article, assignments)
    in_review = article.state == ArticleState.UNDER_REVIEW
    topic = article.topic
    context = {
        "wf_requested_changes": requested_changes(article, assignments),
        "wf_uncited": uncited_references(
            article.body, len(article.references.all()), article.plain_body
        )
        if article.state not in (ArticleState.APPROVED, ArticleState.RETRACTED)
        else [],
        "wf_unsent": pending.unsent(offered),
        "wf_state": state_pill(article.state, article.get_state_display()),
        "wf_actions": actions,
        "wf_danger_actions": [a for a in actions if a["danger"]],
        "wf_blocked": blocked,
        "wf_rounds": by_round(assignments),
        "wf_assign_form": assign_form,
        "wf_candidates": candidates(assign_form) if assign_form is not None else [],
        "wf_unavailable": unavailable,
        "wf_can_cancel": by_other_editor(article, user),
        "wf_my_invitation": review.invitation,
        "wf_accept_form": AcceptForm() if review.invitation is not None else None,
        "wf_decline_form": review.decline_form,
        "wf_my_assignment": review.assignment,
        "wf_decision_form": review.decision_form,
        "wf_preview_html": review.preview_html,
        "wf_fingerprint": review.fingerprint,
        "wf_fingerprint_short": short(review.fingerprint),
        "wf_live": article.live_version,
        "wf_approvals": approval_count(article) if in_review else None,
        "wf_required": required_approvals(topic),
        "wf_specialist": topic.specialty if needs_specialist(topic) else "",
        "wf_shortfall": approval_shortfall(article) if in_review else "",
        # Conflict statements may name private relationships, and notes
        # to the editors are confidential: editors and the member who
        # wrote one read it; the author sees the recusal only.
        "wf_sees_statements": viewer.editor,
        "wf_is_editor": viewer.editor,
        "wf_reports": open_reports(article) if viewer.editor else [],
        "wf_declines": declines_this_round(article, assignments) if viewer.editor else [],
        # A revision's approval asks for the public "What changed" line.
        "wf_is_revision": article.live_version_id is not None,
        "wf_review_soon": timezone.localdate() + datetime.timedelta(days=REVIEW_DUE_WINDOW),
        **timeline_context(request, article, listing=listing),
    }
    context["wf_diff"] = (
        reviewed_diff(article, user)
        if review.decision_form is not None and context["wf_compare_reviewed_url"]
        else None
    )
    return context
