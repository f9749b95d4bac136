"""Matching at inspection: checks made by officers, their decisions, and at-risk categories."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from turath.core.models import Agency, Role
from turath.core.permissions import CHANGE, NOTHING, VIEW, RestrictedQuerySet, agency_of, own_agency_q
from turath.register.models import CulturalObject
from turath.vocabulary.models import Concept


class RiskCategory(models.Model):
    """A category of objects at risk of looting and trafficking (ICOM Red List style), stored as data."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name_ar = models.CharField(max_length=300)
    name_en = models.CharField(max_length=300)
    name_fr = models.CharField(max_length=300)
    description_ar = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    description_fr = models.TextField(blank=True)
    regions = models.JSONField(_("countries of origin (ISO codes)"), default=list, blank=True)
    object_types = models.ManyToManyField(Concept, related_name="+", blank=True)
    materials = models.ManyToManyField(Concept, related_name="+", blank=True)
    period_from = models.IntegerField(null=True, blank=True, help_text=_("earliest year (negative = BCE)"))
    period_to = models.IntegerField(null=True, blank=True)
    # Suspicious characteristics, each as {"ar": …, "en": …, "fr": …} (e.g. fresh soil deposits).
    indicators = models.JSONField(_("suspicious characteristics"), default=list, blank=True)
    source = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("at-risk category")
        verbose_name_plural = _("at-risk categories")

    def __str__(self):
        return self.name_en

    def name(self, lang="en"):
        return getattr(self, f"name_{lang}", "") or self.name_en

    def description(self, lang="en"):
        return getattr(self, f"description_{lang}", "") or self.description_en


class Decision(models.TextChoices):
    SAME = "same", _("Same object")
    NOT_SAME = "not_same", _("Not the same object")
    EXPERT = "expert", _("Needs an expert")


class MatchCheck(models.Model):
    """One check of an intercepted object: what was asked, what came back, what the officer decided."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    words = models.TextField(blank=True)
    facets = models.JSONField(default=dict, blank=True)
    photos = models.JSONField(default=list, blank=True, help_text="SHA-256 of each query photo")
    candidates = models.JSONField(default=list, blank=True)
    risk_hits = models.JSONField(default=list, blank=True)
    hidden_matches = models.PositiveIntegerField(default=0)
    # Which records those were (pks): never shown to the checking agency; listed, as each reader may see
    # them, to the secretariat when the officer asks to be put in touch (cases: the contact alert).
    hidden_objects = models.JSONField(default=list, blank=True)
    elapsed_ms = models.FloatField(default=0)
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True)
    decided_object = models.ForeignKey(CulturalObject, null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="+")
    decision_note = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # The record of the object being checked, when it has one (a seized item is registered at the
    # border before it is checked): a confirmed match is then linked to it.
    subject = models.ForeignKey(CulturalObject, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]

    @classmethod
    def permission_q(cls, user, action: str) -> Q:
        """A check (what was asked, what came back) belongs to the agency that made it; the officer
        who made it, or an editor of that agency, decides."""
        if action == VIEW:
            return own_agency_q(user, "agency")
        if action == CHANGE:
            agency = agency_of(user)
            if agency is None:
                return NOTHING
            mine = Q(agency_id=agency.pk, by_id=user.pk)
            return mine | Q(agency_id=agency.pk) if user.has_role(Role.EDITOR) else mine
        raise ValueError(f"unknown action {action!r}")
