"""The board's forms on an article's admin page: inviting, cancelling, answering, deciding.

They only read and check what a person typed; reviewers.services decides
whether the action may happen and says why when it may not.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from reviewers.choices import Decision
from reviewers.models import BoardMember


class CandidateField(forms.ModelMultipleChoiceField):
    """Board members with what an editor weighs when choosing: field and load."""

    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, member):
        label = f"{member} — {member.specialties}"
        if getattr(member, "specialty_match", 0):
            label = "★ " + label + " · " + str(_("specialist for this topic"))
        open_reviews = getattr(member, "open_reviews", None)
        if open_reviews is not None:
            label += " · " + (
                _("no open reviews") if not open_reviews else _("%(n)s open") % {"n": open_reviews}
            )
        return label


def _date_input():
    # A date input takes ISO dates only, whatever the site's locale.
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AssignForm(forms.Form):
    reviewer = CandidateField(
        queryset=BoardMember.objects.none(),
        label=_("Board members"),
        error_messages={"required": _("Tick at least one board member to invite.")},
    )
    respond_by = forms.DateField(
        label=_("Reply by"),
        widget=_date_input(),
        help_text=_("The member accepts or declines by this date."),
    )
    due_date = forms.DateField(label=_("Review due by"), widget=_date_input())
    message = forms.CharField(
        label=_("Message with the invitation"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Optional, sent to each member invited with the standard invitation, e.g. why "
            "you thought of them."
        ),
    )

    def __init__(self, *args, candidates=None, **kwargs):
        super().__init__(*args, **kwargs)
        if candidates is not None:
            self.fields["reviewer"].queryset = candidates

    def clean(self):
        cleaned = super().clean()
        respond_by, due_date = cleaned.get("respond_by"), cleaned.get("due_date")
        if respond_by and due_date and respond_by > due_date:
            self.add_error(
                "respond_by", _("The reply must come on or before the review's due date.")
            )
        return cleaned


class CancelAssignmentForm(forms.Form):
    assignment = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), max_length=2000)


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why you decline"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The editors read this, e.g. “Away until May” or “Outside my field”."),
        error_messages={"required": _("Say why you decline, so the editors can ask someone else.")},
    )


CONFLICT_CHOICES = [
    ("none", _("I have no conflict of interest with this article, its author or its topic.")),
    ("declared", _("I have a conflict of interest (described below): I recuse myself.")),
]


class DecisionForm(forms.Form):
    """Conflicts first, then the checklist, then the judgement: the order a review goes in."""

    decision = forms.ChoiceField(
        label=_("Your decision"), choices=Decision.choices, widget=forms.RadioSelect
    )
    comment_to_author = forms.CharField(
        label=_("Comment to the author"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Required unless you approve. The author reads this."),
    )
    confidential_note = forms.CharField(
        label=_("Confidential note to the editors"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional. Only the editors read this; the author never sees it."),
    )
    conflict = forms.ChoiceField(
        label=_("Conflict of interest"),
        choices=CONFLICT_CHOICES,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("State your conflict of interest: tick “no conflict” or declare one.")
        },
    )
    conflict_statement = forms.CharField(
        label=_("Conflict-of-interest statement"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # The text the member read: the decision is refused if it has changed since.
    fingerprint = forms.RegexField(
        regex=r"^[0-9a-f]{64}$",
        widget=forms.HiddenInput,
        error_messages={
            "required": _(
                "The form did not say which text you reviewed: open the article again and "
                "decide on the text shown."
            ),
            "invalid": _(
                "The form did not say which text you reviewed: open the article again and "
                "decide on the text shown."
            ),
        },
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, questions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for question in self.questions:
            self.fields[f"check_{question.pk}"] = forms.BooleanField(
                label=question.text, required=False
            )

    @property
    def checklist_fields(self):
        return [self[f"check_{q.pk}"] for q in self.questions]

    @property
    def main_fields(self):
        return [self[name] for name in ("decision", "comment_to_author", "confidential_note")]

    @property
    def conflict_fields(self):
        return [self["conflict"], self["conflict_statement"]]

    @property
    def ordered_field_names(self) -> list[str]:
        """The fields in the order the form asks them, for error summaries."""
        return [
            "conflict",
            "conflict_statement",
            *(f"check_{q.pk}" for q in self.questions),
            "decision",
            "comment_to_author",
            "confidential_note",
        ]

    def checklist_answers(self) -> dict[int, bool]:
        return {q.pk: bool(self.cleaned_data.get(f"check_{q.pk}")) for q in self.questions}

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("decision")
            and cleaned["decision"] != Decision.APPROVE
            and not cleaned.get("comment_to_author", "").strip()
        ):
            self.add_error(
                "comment_to_author",
                _("Tell the author what to change or why: required unless you approve."),
            )
        if (
            cleaned.get("conflict") == "declared"
            and not cleaned.get("conflict_statement", "").strip()
        ):
            self.add_error("conflict_statement", _("Describe the conflict you declare."))
        if cleaned.get("decision") == Decision.APPROVE and cleaned.get("conflict") == "none":
            for question in self.questions:
                if not cleaned.get(f"check_{question.pk}"):
                    self.add_error(f"check_{question.pk}", _("Confirm this before approving."))
        return cleaned


class AcceptForm(forms.Form):
    """Accepting a review starts with the conflict question, asked again at the decision."""

    no_conflict = forms.BooleanField(
        label=_("I know of no conflict of interest with this article, its author or its topic."),
        error_messages={
            "required": _(
                "Confirm that you have no conflict of interest, or decline the invitation and "
                "say that you have one."
            )
        },
    )
