from django import forms
from django.utils.translation import gettext_lazy as _

from turath.core.countries import country_choices
from turath.core.forms import TextLimits

from .models import Decision


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*", "capture": "environment"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        return [super(MultiplePhotoField, self).clean(f, initial) for f in files]


class CheckForm(TextLimits, forms.Form):
    photos = MultiplePhotoField(label=_("Photos of the object"), required=False,
                                help_text=_("Up to 6 photos; phone photos are fine."))
    words = forms.CharField(label=_("A few words"), required=False, max_length=2000,
                            widget=forms.TextInput(attrs={"dir": "auto", "autocomplete": "off"}),
                            help_text=_("In Arabic, French or English: what it is, material, marks."))
    object_type = forms.CharField(label=_("Type of object"), required=False, max_length=200,
                                  widget=forms.TextInput(attrs={"list": "concepts-object-types", "dir": "auto"}))
    material = forms.CharField(label=_("Material"), required=False, max_length=200,
                               widget=forms.TextInput(attrs={"list": "concepts-materials", "dir": "auto"}))
    period = forms.CharField(label=_("Period"), required=False, max_length=200,
                             widget=forms.TextInput(attrs={"list": "concepts-periods", "dir": "auto"}))
    origin_country = forms.ChoiceField(label=_("Country of origin"), required=False)
    reported_only = forms.BooleanField(label=_("Reported stolen or looted only"), required=False)
    subject = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, lang="en", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["origin_country"].choices = [("", "—"), *country_choices(lang)]

    def facets(self) -> dict:
        return {k: self.cleaned_data.get(k) for k in ("object_type", "material", "period", "origin_country")
                if self.cleaned_data.get(k)}


class DecisionForm(TextLimits, forms.Form):
    decision = forms.ChoiceField(choices=Decision.choices)
    record_number = forms.CharField(required=False, max_length=64)
    note = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2, "dir": "auto"}))
