"""Forms of the register's web UI. They only shape what the browser sends into an Object ID record;
`services.validate_record` is the single place that decides what is valid, and its errors are
shown next to the fields they name."""

import re

from django import forms
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from turath.core import multilingual
from turath.core.countries import country_choices
from turath.core.errors import ImageRejected, RecordInvalid
from turath.core.forms import TextLimits, add_domain_error
from turath.core.models import Role
from turath.core.permissions import Sharing
from turath.vocabulary import services as vocab
from turath.vocabulary.models import Concept

from .images import check_image
from .models import INITIAL_STATUSES, CulturalObject, Inscription, ObjectStatus
from .services import MEASURE_RE, TEXT_FIELDS, validate_record

LANG_CHOICES = [("ar", _("Arabic")), ("en", _("English")), ("fr", _("French"))]
LANGS = [code for code, _name in LANG_CHOICES]
_ARABIC_SCRIPT = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]")
LONG_TEXT_FIELDS = {"description", "distinguishing_features"}


def reader_lang() -> str:
    return (translation.get_language() or "en")[:2]


def object_type_choices(lang: str) -> list:
    """Object types grouped under their broader concept ("Coins" → Coins, Dinar, Dirham…)."""
    groups: dict[str, list] = {}
    heads: dict[str, str] = {}
    for concept in Concept.objects.filter(scheme__key=vocab.OBJECT_TYPES).prefetch_related("broader"):
        broader = next(iter(concept.broader.all()), None)
        group = (broader or concept).label(lang)
        groups.setdefault(group, []).append((str(concept.pk), concept.label(lang)))
        if broader is None:
            heads[group] = str(concept.pk)
    out = [("", "—")]
    for group in sorted(groups, key=str.casefold):
        options = sorted(groups[group], key=lambda o: (o[0] != heads.get(group), o[1].casefold()))
        out.append((group, options))
    return out


def concept_labels(scheme_key: str, lang: str) -> list[str]:
    return sorted({c.label(lang) for c in Concept.objects.filter(scheme__key=scheme_key)}, key=str.casefold)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several photographs in one input; each is checked by images.check_image in the form's clean()."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return super().clean(data, initial)


class ObjectForm(TextLimits, forms.Form):
    """Create (instance=None) or edit an object record."""

    record_number = forms.CharField(label=_("record number"), required=False, max_length=64,
                                    help_text=_("Your agency's number for the record, e.g. EG-CUS-2026-0042."))
    status = forms.CharField(label=_("status"), required=False)
    sharing = forms.CharField(label=_("sharing level"), required=False,
                              widget=forms.Select(choices=Sharing.choices))
    object_type = forms.CharField(label=_("type of object"), required=False)
    materials = forms.CharField(label=_("materials"), required=False,
                                help_text=_("Separate several terms with a semicolon (;)."))
    techniques = forms.CharField(label=_("techniques"), required=False,
                                 help_text=_("Separate several terms with a semicolon (;)."))
    measurements = forms.CharField(label=_("measurements"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                   help_text=_("One per line: height=12.5 cm, weight=4.2 g; add a note after #."))
    inscriptions = forms.CharField(label=_("inscriptions and markings"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 3}),
                                   )
    date = forms.CharField(label=_("date or period"), required=False, max_length=120,
                           help_text=_("e.g. 1250, 1250-1300, 656 AH, 12th century, 300 BCE."))
    period = forms.CharField(label=_("period"), required=False)
    maker = forms.CharField(label=_("maker"), required=False, max_length=300)
    inventory_numbers = forms.CharField(label=_("inventory numbers"), required=False,
                                        widget=forms.Textarea(attrs={"rows": 2}), help_text=_("One per line."))
    related_written_material = forms.CharField(label=_("related written material"), required=False,
                                               widget=forms.Textarea(attrs={"rows": 2}))
    place_of_origin = forms.CharField(label=_("place of origin"), required=False, max_length=300)
    place_of_discovery = forms.CharField(label=_("place of discovery"), required=False, max_length=300)
    cross_references = forms.CharField(label=_("cross-references"), required=False,
                                       widget=forms.Textarea(attrs={"rows": 2}), help_text=_("One per line."))
    date_documented = forms.CharField(label=_("date documented"), required=False,
                                      widget=forms.DateInput(attrs={"type": "date"}))
    origin_country = forms.CharField(label=_("country of origin"), required=False)
    current_holder = forms.CharField(label=_("current holder"), required=False, max_length=300)
    images = MultipleFileField(label=_("photographs"), required=False,
                               help_text=_("JPEG, PNG, WebP, TIFF or HEIC; several at once."))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    TEXT_LABELS = {"title": _("title"), "subject": _("subject"), "description": _("description"),
                   "distinguishing_features": _("distinguishing features")}

    def __init__(self, *args, user, instance: CulturalObject | None = None, **kwargs):
        self.user = user
        self.instance = instance
        self.lang = reader_lang()
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_from(instance)
        super().__init__(*args, **kwargs)
        self._add_text_fields()
        self.fields["object_type"].widget = forms.Select(choices=object_type_choices(self.lang))
        self.fields["origin_country"].widget = forms.Select(choices=[("", "—"), *country_choices(self.lang)])
        self.fields["status"].widget = forms.Select(choices=[(s, ObjectStatus(s).label) for s in INITIAL_STATUSES])
        # The kinds as the reader writes them (the services read a kind in any working language).
        self.fields["inscriptions"].help_text = gettext("One per line: text | script | position | kind (%(kinds)s).") % {
            "kinds": multilingual.list_separator(self.lang).join(str(label) for _v, label in Inscription.Kind.choices)}
        for name, scheme in (("materials", vocab.MATERIALS), ("techniques", vocab.TECHNIQUES),
                             ("period", vocab.PERIODS)):
            self.fields[name].widget.attrs.update({"list": f"terms-{name}", "autocomplete": "off"})
            self.fields[name].datalist = concept_labels(scheme, self.lang)
        if instance is not None:
            del self.fields["record_number"]
            del self.fields["status"]
        else:
            del self.fields["version"]
        if not user.has_role(Role.EDITOR):
            del self.fields["images"]  # photographs are attached by the owning agency's editors
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, (forms.TextInput, forms.Textarea)) and not isinstance(widget, forms.DateInput):
                widget.attrs.setdefault("dir", "auto")  # Arabic and Latin text both read in their own direction
            if field.help_text:
                widget.attrs["aria-describedby"] = f"help-{name}"
        self.suggestions: dict = {}
        self.checked_images: list = []
        self.record_data: dict = {}

    # --- the multilingual text fields: original text + its language + one translation per language ---
    def _add_text_fields(self):
        for field in TEXT_FIELDS:
            label = self.TEXT_LABELS[field]
            widget = forms.Textarea(attrs={"rows": 4}) if field in LONG_TEXT_FIELDS else forms.TextInput()
            self.fields[field] = forms.CharField(label=label, required=False, widget=widget, strip=True)
            self.fields[f"{field}_lang"] = forms.ChoiceField(label=_("language"), choices=LANG_CHOICES,
                                                             initial=self.lang, required=False)
            for code, name in LANG_CHOICES:
                attrs = {"lang": code, "dir": "rtl" if code == "ar" else "ltr"}
                tr_widget = (forms.Textarea(attrs={"rows": 2, **attrs}) if field in LONG_TEXT_FIELDS
                             else forms.TextInput(attrs=attrs))
                self.fields[f"{field}_tr_{code}"] = forms.CharField(label=name, required=False, widget=tr_widget)
                self.fields[f"{field}_mt_{code}"] = forms.BooleanField(label=_("machine translation"), required=False)

    def text_groups(self):
        """For the template: each text field with its language select and translation fields."""
        for field in TEXT_FIELDS:
            yield {
                "field": self[field],
                "lang": self[f"{field}_lang"],
                "translations": [(code, self[f"{field}_tr_{code}"], self[f"{field}_mt_{code}"]) for code in LANGS],
            }

    def initial_from(self, obj: CulturalObject) -> dict:
        lang = reader_lang()
        initial = {
            "sharing": obj.sharing,
            "object_type": str(obj.object_type_id),
            "materials": "; ".join(c.label(lang) for c in obj.materials.all()),
            "techniques": "; ".join(c.label(lang) for c in obj.techniques.all()),
            "period": obj.period.label(lang) if obj.period else "",
            "measurements": "\n".join(
                f"{m.dimension}={m.value.normalize():f} {m.unit}" + (f" # {m.note}" if m.note else "")
                for m in obj.measurements.all()),
            "inscriptions": "\n".join(
                " | ".join([multilingual.texts(i.text)[0][1] if multilingual.texts(i.text) else "",
                            i.script, i.position, i.get_kind_display()]) for i in obj.inscriptions.all()),
            "date": obj.date_text,
            "maker": obj.maker,
            "inventory_numbers": "\n".join(obj.inventory_numbers or []),
            "related_written_material": obj.related_written_material,
            "place_of_origin": obj.place_of_origin,
            "place_of_discovery": obj.place_of_discovery,
            "cross_references": "\n".join(obj.cross_references or []),
            "date_documented": obj.date_documented.isoformat() if obj.date_documented else "",
            "origin_country": obj.origin_country,
            "current_holder": obj.current_holder,
            "version": obj.version,
        }
        for field in TEXT_FIELDS:
            value = getattr(obj, field) or {}
            initial[field] = value.get("text", "")
            initial[f"{field}_lang"] = value.get("lang") or lang
            for code, tr in (value.get("tr") or {}).items():
                initial[f"{field}_tr_{code}"] = tr.get("text", "")
                initial[f"{field}_mt_{code}"] = bool(tr.get("machine"))
        return initial

    # --- from the form to an Object ID record ---
    def _text_value(self, cd, field):
        lang = cd.get(f"{field}_lang") or self.lang
        translations = {code: {"text": cd.get(f"{field}_tr_{code}", "").strip(),
                               "machine": bool(cd.get(f"{field}_mt_{code}"))}
                        for code in LANGS if code != lang and (cd.get(f"{field}_tr_{code}") or "").strip()}
        text = (cd.get(field) or "").strip()
        if not text and not translations:
            return ""
        return {"text": text, "lang": lang, "tr": translations}

    def _measurements(self, raw: str) -> list:
        out = []
        for line in (raw or "").splitlines():
            main, _hash, note = line.partition("#")
            if not main.strip():
                continue
            m = MEASURE_RE.match(main)
            # A line that does not parse goes through as written, so the service's message quotes it.
            out.append({"dimension": m.group(1), "value": m.group(2), "unit": m.group(3), "note": note.strip()}
                       if m else main.strip())
        return out

    def _inscriptions(self, raw: str, fallback_lang: str) -> list:
        out = []
        for line in (raw or "").splitlines():
            parts = [p.strip() for p in line.split("|")]
            if not parts[0]:
                continue
            parts += [""] * (4 - len(parts))
            text = parts[0]
            lang = "ar" if _ARABIC_SCRIPT.search(text) else (fallback_lang if fallback_lang != "ar" else "en")
            out.append({"text": text, "lang": lang, "script": parts[1], "position": parts[2],
                        "kind": parts[3] or Inscription.Kind.INSCRIPTION})
        return out

    def record(self, cd) -> dict:
        data = {"language": self.lang}
        if self.instance is None:
            data["record_number"] = cd.get("record_number", "")
            data["status"] = cd.get("status") or ObjectStatus.REGISTERED
        for field in TEXT_FIELDS:
            data[field] = self._text_value(cd, field)
        for field in ("sharing", "object_type", "materials", "techniques", "date", "period", "maker",
                      "related_written_material", "place_of_origin", "place_of_discovery", "date_documented",
                      "origin_country", "current_holder"):
            data[field] = (cd.get(field) or "").strip()
        for field in ("inventory_numbers", "cross_references"):
            data[field] = [line.strip() for line in (cd.get(field) or "").splitlines() if line.strip()]
        data["measurements"] = self._measurements(cd.get("measurements"))
        data["inscriptions"] = self._inscriptions(cd.get("inscriptions"), cd.get("title_lang") or self.lang)
        return data

    def clean(self):
        cd = super().clean()
        self.record_data = self.record(cd)
        try:
            validate_record(self.record_data, user=self.user, instance=self.instance, suggestions=self.suggestions)
        except RecordInvalid as exc:
            add_domain_error(self, exc)
        self.checked_images = []
        for upload in self.files.getlist("images") if self.files else []:
            data = upload.read()
            try:
                check_image(data, upload.name)
            except ImageRejected as exc:
                self.add_error("images", str(exc))
            else:
                self.checked_images.append((upload.name, data))
        return cd


class StatusForm(TextLimits, forms.Form):
    to_status = forms.ChoiceField(label=_("new status"))
    note = forms.CharField(label=_("note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, allowed: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_status"].choices = [(s, ObjectStatus(s).label) for s in allowed]
