from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from articles.conditions import slug_taken
from articles.models import Article, Reference
from reviewers.choices import Decision
from reviewers.models import BoardMember


class ArticleForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = [
            "title",
            "slug",
            "topic",
            "summary",
            "body",
            "plain_body",
            "origin",
            "change_note",
        ]
        widgets = {
            "title": forms.TextInput(attrs={"class": "vTextField wf-wide"}),
            "slug": forms.TextInput(attrs={"class": "vTextField wf-wide"}),
            "body": forms.Textarea(attrs={"rows": 24, "class": "vLargeTextField wf-wide"}),
            "plain_body": forms.Textarea(attrs={"rows": 14, "class": "vLargeTextField wf-wide"}),
            "change_note": forms.TextInput(attrs={"class": "vTextField wf-wide"}),
            "summary": forms.Textarea(attrs={"rows": 2, "class": "wf-wide"}),
        }

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if slug_taken(slug, by_other_than=self.instance.pk):
            raise forms.ValidationError(
                _("A published article already lives at /articles/%(slug)s/: choose another."),
                params={"slug": slug},
            )
        return slug

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and not self.instance.is_editable:
            raise forms.ValidationError(
                _(
                    "This article is %(state)s: its content can be edited only as a draft or "
                    "after changes were requested."
                ),
                params={"state": self.instance.get_state_display().lower()},
            )
        return cleaned


def _https_links(field, **kwargs):
    """Links typed without a scheme are read as https, not http."""
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class ReferenceForm(forms.ModelForm):
    """One row of the references table, sized to fit the article page."""

    class Meta:
        model = Reference
        formfield_callback = _https_links
        fields = ["position", "authors", "title", "journal", "year", "pmid", "doi", "url"]
        widgets = {
            "position": forms.NumberInput(attrs={"style": "width: 3.5em"}),
            "authors": forms.TextInput(attrs={"size": 14}),
            "title": forms.TextInput(attrs={"size": 26}),
            "journal": forms.TextInput(attrs={"size": 12}),
            "year": forms.NumberInput(attrs={"style": "width: 4.5em"}),
            "pmid": forms.TextInput(attrs={"size": 8}),
            "doi": forms.TextInput(attrs={"size": 12}),
            "url": forms.URLInput(attrs={"size": 12}),
        }


class TransitionForm(forms.Form):
    """The comment that goes with a workflow button, and the state the user saw."""

    comment = forms.CharField(required=False, max_length=5000, widget=forms.Textarea)
    state = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)


class CandidateField(forms.ModelChoiceField):
    """Board members with what an editor weighs when choosing: field and load."""

    def label_from_instance(self, member):
        label = f"{member} — {member.specialties}"
        open_reviews = getattr(member, "open_reviews", None)
        if open_reviews is not None:
            label += " · " + (
                _("no open reviews") if not open_reviews else _("%(n)s open") % {"n": open_reviews}
            )
        return label


class AssignForm(forms.Form):
    reviewer = CandidateField(
        queryset=BoardMember.objects.none(),
        label=_("Board member"),
        empty_label=_("Choose a board member…"),
    )
    due_date = forms.DateField(
        label=_("Review due by"),
        # A date input takes ISO dates only, whatever the site's locale.
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, candidates=None, **kwargs):
        super().__init__(*args, **kwargs)
        if candidates is not None:
            self.fields["reviewer"].queryset = candidates


class CancelAssignmentForm(forms.Form):
    assignment = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), max_length=2000)


class DecisionForm(forms.Form):
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
    conflict = forms.ChoiceField(
        label=_("Conflict of interest"),
        choices=[
            ("none", _("I have no conflict of interest with this article or its author.")),
            ("declared", _("I have a conflict of interest (described below): I recuse myself.")),
        ],
        widget=forms.RadioSelect,
    )
    conflict_statement = forms.CharField(
        label=_("Conflict-of-interest statement"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

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
        return cleaned
