"""The article's own forms in the admin: its content, its references, a workflow button."""

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from articles.conditions import slug_taken
from articles.models import Article, Reference


class ArticleForm(forms.ModelForm):
    class Meta:
        model = Article
        # What an edit may change; the admin's fieldsets order and group them.
        fields = Article.CONTENT_FIELDS
        widgets = {
            "title": forms.TextInput(attrs={"class": "vTextField wf-wide"}),
            "slug": forms.TextInput(attrs={"class": "vTextField wf-wide"}),
            "body": forms.Textarea(attrs={"rows": 22, "class": "vLargeTextField wf-wide"}),
            "plain_body": forms.Textarea(attrs={"rows": 22, "class": "vLargeTextField wf-wide"}),
            "urgent_help": forms.Textarea(attrs={"rows": 5, "class": "vLargeTextField wf-wide"}),
            "change_note": forms.TextInput(attrs={"class": "vTextField wf-wide"}),
            "summary": forms.Textarea(attrs={"rows": 2, "class": "wf-wide"}),
        }
        labels = {"body": _("Answer (for professionals and everyone)")}
        help_texts = {
            "plain_body": _(
                "The same answer in everyday words for patients and carers, citing the same "
                "references. Reviewed together with the answer."
            ),
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
            "position": forms.NumberInput(attrs={"class": "wf-ref-position", "min": 0}),
            "authors": forms.TextInput(attrs={"class": "vTextField wf-ref-wide"}),
            "title": forms.TextInput(attrs={"class": "vTextField wf-ref-wide"}),
            "journal": forms.TextInput(attrs={"class": "vTextField"}),
            "year": forms.NumberInput(attrs={"class": "wf-ref-year"}),
            "pmid": forms.TextInput(attrs={"class": "wf-ref-pmid", "inputmode": "numeric"}),
            "doi": forms.TextInput(attrs={"class": "vTextField wf-ref-doi"}),
            "url": forms.URLInput(attrs={"class": "vTextField"}),
        }


class TransitionForm(forms.Form):
    """The comment that goes with a workflow button, and the state the user saw."""

    comment = forms.CharField(required=False, max_length=5000, widget=forms.Textarea)
    state = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
    # Approval only: the public "What changed" line, as the editor leaves it.
    change_note = forms.CharField(required=False, max_length=300)
