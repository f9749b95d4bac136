"""A SKOS thesaurus in three languages: schemes, concepts and their labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from turath.core.textnorm import search_text


class ConceptScheme(models.Model):
    uri = models.URLField(_("URI"), max_length=500, unique=True)
    # Short stable key used by code: object-types, materials, techniques, periods, or an imported scheme's slug.
    key = models.SlugField(_("key"), max_length=80, unique=True)
    title_ar = models.CharField(max_length=300, blank=True)
    title_en = models.CharField(max_length=300, blank=True)
    title_fr = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["key"]
        verbose_name = _("concept scheme")

    def __str__(self):
        return self.title_en or self.key

    def title(self, lang="en"):
        return getattr(self, f"title_{lang}", "") or self.title_en or self.key


class Concept(models.Model):
    uri = models.URLField(_("URI"), max_length=500, unique=True)
    scheme = models.ForeignKey(ConceptScheme, on_delete=models.PROTECT, related_name="concepts")
    pref_ar = models.CharField(_("preferred label (Arabic)"), max_length=300, blank=True)
    pref_en = models.CharField(_("preferred label (English)"), max_length=300, blank=True)
    pref_fr = models.CharField(_("preferred label (French)"), max_length=300, blank=True)
    broader = models.ManyToManyField("self", symmetrical=False, related_name="narrower", blank=True)
    matches = models.JSONField(_("matching concepts elsewhere (e.g. Getty AAT)"), default=list, blank=True)
    scope_note = models.TextField(blank=True)
    start_year = models.IntegerField(null=True, blank=True, help_text=_("periods: first year (negative = BCE)"))
    end_year = models.IntegerField(null=True, blank=True)

    class Meta:
        ordering = ["pref_en"]
        verbose_name = _("concept")

    def __str__(self):
        return self.pref_en or self.pref_fr or self.pref_ar or self.uri

    def label(self, lang: str = "en") -> str:
        """Preferred label in `lang`, falling back through English, French, Arabic."""
        for code in (lang, "en", "fr", "ar"):
            value = getattr(self, f"pref_{code}", "")
            if value:
                return value
        return self.uri

    @property
    def aat_uri(self) -> str:
        return next((m for m in self.matches if "vocab.getty.edu/aat/" in m), "")


class ConceptLabel(models.Model):
    """Every preferred and alternative label, normalised, so a term in any language finds its concept."""

    PREF, ALT = "pref", "alt"
    concept = models.ForeignKey(Concept, on_delete=models.CASCADE, related_name="labels")
    lang = models.CharField(max_length=12, blank=True)
    kind = models.CharField(max_length=4, choices=[(PREF, "preferred"), (ALT, "alternative")])
    text = models.CharField(max_length=300)
    norm = models.CharField(max_length=300, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["concept", "lang", "kind", "text"], name="uniq_concept_label")
        ]

    def save(self, *args, **kwargs):
        self.norm = search_text(self.text)
        super().save(*args, **kwargs)
