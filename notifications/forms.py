from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.choices import Kind


class PreferencesForm(forms.Form):
    email_kinds = forms.MultipleChoiceField(
        label=_("Also send me an email for"),
        choices=Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Everything reaches your inbox here; ticked kinds are emailed too."),
    )
