"""Plain HTML forms for the case pages. They only collect input: the services validate it."""

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext_lazy as _

from turath.core.forms import TextLimits
from turath.core.permissions import Sharing
from turath.register.models import CulturalObject

from .models import Attachment, JournalEntry, LegalBasis, ReportKind, RestitutionStep

DATE = forms.DateInput(attrs={"type": "date"})
WIDE_SHARING = [(k, v) for k, v in Sharing.choices if k != Sharing.AGENCY]


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several photographs in one field (a phone's gallery or camera); the register checks each one."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleImageInput(attrs={"accept": "image/*", "capture": "environment"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleImageField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class ReportForm(TextLimits, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    kind = forms.ChoiceField(label=_("kind"), choices=ReportKind.choices)
    occurred_on = forms.CharField(label=_("date of the theft, loss or looting"), widget=DATE)
    occurred_until = forms.CharField(label=_("latest possible date"), widget=DATE, required=False)
    discovered_on = forms.CharField(label=_("date discovered"), widget=DATE, required=False)
    place = forms.CharField(label=_("place"), max_length=300)
    geometry = forms.CharField(label=_("point or area (GeoJSON)"), required=False,
                               widget=forms.Textarea(attrs={"rows": 2, "dir": "ltr"}),
                               help_text=_('e.g. {"type": "Point", "coordinates": [31.13, 29.97]}'))
    how_discovered = forms.CharField(label=_("how it was discovered"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 3}))
    circumstances = forms.CharField(label=_("circumstances"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    police_reference = forms.CharField(label=_("police reference"), required=False, max_length=120)
    publish_sharing = forms.ChoiceField(label=_("share with, once validated"), choices=WIDE_SHARING)
    objects = forms.CharField(label=_("objects concerned (record numbers)"), required=False,
                              help_text=_("separated by commas or new lines"),
                              widget=forms.Textarea(attrs={"rows": 2, "dir": "ltr"}))
    new_object_type = forms.CharField(label=_("new object: type"), required=False)
    new_object_title = forms.CharField(label=_("new object: title"), required=False)
    new_object_number = forms.CharField(label=_("new object: record number"), required=False,
                                        help_text=_("Proposed from your agency's series; keep it or type your own."))
    photos = MultipleImageField(label=_("photographs"), required=False,
                                help_text=_("Of the new object (they are added to its record, so checks can find "
                                            "it), or of the scene."))

    def object_refs(self) -> list[str]:
        raw = self.cleaned_data.get("objects") or ""
        return [p.strip() for p in raw.replace("\n", ",").split(",") if p.strip()]

    def new_objects(self, lang) -> list[dict]:
        d = self.cleaned_data
        # The number alone is the proposal the form fills in: a new object is described by its type or title.
        if not (d.get("new_object_type") or d.get("new_object_title")):
            return []
        return [{"record_number": d.get("new_object_number"), "object_type": d.get("new_object_type"),
                 "title": d.get("new_object_title"), "language": lang}]


class SeizureForm(TextLimits, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # A seizure started from a check's «Same object»: the record (and the check) it was recognised as.
    record = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    check = forms.UUIDField(widget=forms.HiddenInput, required=False)
    seized_on = forms.CharField(label=_("date of seizure"), widget=DATE)
    border_post = forms.CharField(label=_("border post"), required=False, max_length=200)
    place = forms.CharField(label=_("place"), max_length=300)
    carrier_reference = forms.CharField(label=_("carrier or consignment reference"), required=False, max_length=120)
    declaration_reference = forms.CharField(label=_("customs declaration reference"), required=False, max_length=120)
    declared_description = forms.CharField(label=_("description as declared"), required=False,
                                           widget=forms.Textarea(attrs={"rows": 3}))
    observed_description = forms.CharField(label=_("description as observed"), required=False,
                                           widget=forms.Textarea(attrs={"rows": 3}))
    legal_basis = forms.CharField(label=_("legal basis"), required=False, max_length=300)
    publish_sharing = forms.ChoiceField(label=_("share with, once published"), choices=WIDE_SHARING)


class RestitutionForm(TextLimits, forms.Form):
    requesting_country = forms.CharField(label=_("requesting state (ISO code)"), max_length=2)
    holding_agency = forms.CharField(label=_("holding agency (code)"), max_length=40)
    legal_basis = forms.ChoiceField(label=_("legal basis"), choices=LegalBasis.choices)
    opened_on = forms.CharField(label=_("date of the request"), widget=DATE)
    objects = forms.CharField(label=_("objects (record numbers)"), widget=forms.Textarea(attrs={"rows": 2, "dir": "ltr"}))
    summary = forms.CharField(label=_("summary"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def object_refs(self) -> list[str]:
        raw = self.cleaned_data.get("objects") or ""
        return [p.strip() for p in raw.replace("\n", ",").split(",") if p.strip()]


class StepForm(TextLimits, forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=RestitutionStep.Kind.choices)
    on_date = forms.CharField(label=_("date"), widget=DATE)
    text = forms.CharField(label=_("what happened"), widget=forms.Textarea(attrs={"rows": 2}))


class HandoverForm(TextLimits, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    on_date = forms.CharField(label=_("date of handover"), widget=DATE)
    receiving_institution = forms.CharField(label=_("receiving institution"), max_length=300)
    received_by = forms.CharField(label=_("received by (name and title)"), required=False, max_length=300)
    handed_by = forms.CharField(label=_("handed over by (name and title)"), required=False, max_length=300)
    place = forms.CharField(label=_("place"), required=False, max_length=300)
    notes = forms.CharField(label=_("notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class JournalForm(TextLimits, forms.Form):
    on_date = forms.CharField(label=_("date"), widget=DATE, required=False)
    kind = forms.ChoiceField(label=_("kind"), choices=JournalEntry.Kind.choices)
    text = forms.CharField(label=_("note"), widget=forms.Textarea(attrs={"rows": 2}))


class AttachmentForm(TextLimits, forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=Attachment.Kind.choices)
    file = forms.FileField(label=_("file"))
    caption = forms.CharField(label=_("caption"), required=False, max_length=300)


class AssignForm(TextLimits, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    assigned_to = forms.ChoiceField(label=_("assigned officer"), required=False)
    due_date = forms.CharField(label=_("due date"), widget=DATE, required=False)

    def __init__(self, *args, officers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].choices = [("", "—")] + [(u.username, u.get_full_name() or u.username)
                                                            for u in officers]


BATCH_ROWS = 10


class BatchForm(TextLimits, forms.Form):
    """Batch entry of seized items: one row per item, each with type, material, count, description, photo."""

    accept_valid = forms.BooleanField(label=_("create the valid rows and list the others"), required=False)

    def __init__(self, *args, rows: int = BATCH_ROWS, **kwargs):
        super().__init__(*args, **kwargs)
        self.row_count = rows
        for i in range(1, rows + 1):
            self.fields[f"row-{i}-object_type"] = forms.CharField(label=_("type"), required=False)
            self.fields[f"row-{i}-material"] = forms.CharField(label=_("material"), required=False)
            self.fields[f"row-{i}-count"] = forms.CharField(label=_("count"), required=False,
                                                            widget=forms.TextInput(attrs={"inputmode": "numeric",
                                                                                          "size": 4}))
            self.fields[f"row-{i}-description"] = forms.CharField(label=_("description"), required=False)
            self.fields[f"row-{i}-photo"] = forms.FileField(label=_("photo"), required=False)

    # a row's errors name the record's fields (register.validate_record); where the batch has a column
    # for that field, the officer reads the column's label
    ERROR_COLUMNS = {"materials": "material"}

    def error_label(self, name: str) -> str:
        """The translated label of the column (or else of the record's field) an error names, never its code."""
        column = self.fields.get(f"row-1-{self.ERROR_COLUMNS.get(name, name)}")
        if column is not None:
            return str(column.label)
        try:
            return str(CulturalObject._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:
            return str(_("row"))

    def table(self):
        return [[self[f"row-{i}-{k}"] for k in ("object_type", "material", "count", "description", "photo")]
                for i in range(1, self.row_count + 1)]

    def rows(self) -> list[dict]:
        """The filled rows (blank rows are skipped; a row with anything in it is kept, even if broken)."""
        out = []
        for i in range(1, self.row_count + 1):
            row = {k: (self.cleaned_data.get(f"row-{i}-{k}") or "") for k in
                   ("object_type", "material", "count", "description")}
            photo = self.cleaned_data.get(f"row-{i}-photo")
            if any(str(v).strip() for v in row.values()) or photo:
                row["photo"] = (photo.name, photo.read()) if photo else None
                row["form_row"] = i
                out.append(row)
        return out
