"""Forms readers fill in on the public site.

The report form holds the reader site's one write: a new problem report
for the editors. It goes through no workflow service (the reader site never
imports them): the report is a new row, and the editors' work on it is in
``articles/reports.py``.
"""

from __future__ import annotations

from django import forms
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from articles import notifications
from articles.choices import ReportKind
from articles.models import ProblemReport, PublishedVersion

MESSAGE_MAX_LENGTH = 2000


class ProblemReportForm(forms.ModelForm):
    """What a reader tells the editors about an article; no account needed."""

    # A field people never see (hidden by CSS and from assistive technology);
    # form-filling robots do fill it in.
    website = forms.CharField(required=False, label=_("Leave this field empty"))

    class Meta:
        model = ProblemReport
        fields = ["kind", "message", "email"]
        labels = {
            "kind": _("What kind of problem is it?"),
            "message": _("What is wrong, and where on the page?"),
            "email": _("Your email (optional)"),
        }
        help_texts = {
            "message": _("Quote the sentence or name the reference if you can."),
            "email": _("Only if you would like a reply. We use it for nothing else."),
        }
        widgets = {
            "kind": forms.RadioSelect,
            "message": forms.Textarea(attrs={"rows": 5, "maxlength": MESSAGE_MAX_LENGTH}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
        }
        error_messages = {
            "kind": {"required": _("Choose the kind of problem.")},
            "message": {
                "required": _("Tell us what is wrong so that we can check it."),
                "max_length": _(
                    "Please keep it under %(limit_value)d characters (it has %(show_value)d)."
                ),
            },
            "email": {"invalid": _("This email address looks incomplete, e.g. name@example.org.")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = ReportKind.choices
        self.fields["message"].max_length = MESSAGE_MAX_LENGTH

    def clean_message(self) -> str:
        message = self.cleaned_data["message"].strip()
        if len(message) < 10:
            raise forms.ValidationError(
                _("Please say a little more (at least 10 characters) so that we can find it.")
            )
        return message

    @property
    def is_robot(self) -> bool:
        return bool(self.data.get("website"))

    def save_for(self, version: PublishedVersion) -> ProblemReport:
        """Save the report against the version the reader saw, and tell the editors.

        The email is queued in the same transaction, so a report is never
        saved without it nor announced without being saved.
        """
        report = self.save(commit=False)
        report.article_id = version.article_id
        report.version = version
        with transaction.atomic():
            report.save()
            notifications.report_received(report=report)
        return report
