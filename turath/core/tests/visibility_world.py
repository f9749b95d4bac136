"""A small world of records of several agencies at every sharing level, including the cases the
probe found leaking: a seized item kept at the agency level added after the seizure was published,
an agency-only match candidate, an object narrowed after it was announced, a report naming an
object that was already published at the agency level, another agency's custody entry."""

from datetime import date, timedelta

from django.utils import timezone

from turath.cases import services as cases
from turath.core.context import acting_as
from turath.custody import services as custody
from turath.heritage.tests.factories import place
from turath.register import services as register
from turath.register.models import CulturalObject
from turath.register.tests.factories import make_object

SHARINGS = ("agency", "network", "members", "public")


def build(users) -> dict:
    """Everything through the real services; returns the records the tests name."""
    w: dict = {}
    today = date.today()
    # Register records of two agencies of two states, one at every sharing level.
    for key, prefix in (("ma_museum_editor", "MA-MUS"), ("eg_ministry_editor", "EG-MOA")):
        for s in SHARINGS:
            w[f"{prefix}-{s}"] = make_object(users[key], f"{prefix}-{s.upper()}-0001", sharing=s,
                                             title=f"Objet {prefix} partagé {s}", lang="fr")
    mp = users["ma_police_editor"]
    with acting_as(mp, via="test"):
        # A seizure published to the network, then an item added at the agency level, and an
        # agency-only record linked as a possible match.
        seizure = cases.create_seizure(mp, {"seized_on": (today - timedelta(days=5)).isoformat(),
                                            "place": "Port de Tanger Med", "border_post": "Tanger Med"})
        first = cases.add_items(mp, seizure, [{"object_type": "coin", "title": "Dinar saisi publié", "count": 2}]
                                ).items[0]
        cases.publish_seizure(mp, seizure)
        seizure.refresh_from_db()
        late = cases.add_items(mp, seizure, [{"object_type": "coin", "title": "Pièce ajoutée après publication"}]
                               ).items[0]
        secret_candidate = make_object(mp, "MA-POL-CANDIDATE-0001", sharing="agency", title="Candidat réservé",
                                       lang="fr")
        cases.link_candidate(mp, first, secret_candidate, score=0.9)
        cases.link_candidate(mp, first, w["MA-MUS-public"], score=0.5)
        # A seizure never published.
        hidden_seizure = cases.create_seizure(mp, {"seized_on": (today - timedelta(days=3)).isoformat(),
                                                   "place": "Aéroport de Casablanca"})
        cases.add_items(mp, hidden_seizure, [{"object_type": "coin", "title": "Pièce d'une saisie non publiée"}])
        # Custody of the published item, in a facility of the police.
        facility = custody.create_facility(mp, {"code": "casa-depot", "name": "Dépôt judiciaire de Casablanca"})
        location = custody.add_location(mp, facility, "B1/R2/S3")
        entry = custody.enter_object(mp, first.object, {"at": timezone.now() - timedelta(days=1),
                                                        "location": location})
    eg = users["eg_ministry_editor"]
    with acting_as(eg, via="test"):
        # A report shared with all members naming an object already published to the network, narrowed back
        # to the network after the alert, so the alert must not list it to a museum; and a public object,
        # whose history must not name the report to the public.
        published_narrow = make_object(eg, "EG-MOA-PUBLISHED-NARROW-0001", sharing="network",
                                       status="reported_stolen", title="Objet publié au réseau seulement", lang="fr")
        report = cases.create_report(eg, {"kind": "theft", "occurred_on": (today - timedelta(days=30)).isoformat(),
                                          "place": "Musée copte, Le Caire", "police_reference": "CAI-SECRET-7781",
                                          "publish_sharing": "members"},
                                     objects=[w["EG-MOA-members"], published_narrow, w["EG-MOA-public"]])
        cases.submit_report(eg, report)
    with acting_as(users["eg_ministry_agency_admin"], via="test"):
        cases.validate_report(users["eg_ministry_agency_admin"], report)  # a second person (four eyes)
    with acting_as(eg, via="test"):
        # Validation widened it to the members; the agency narrows it back to the network after the alert.
        published_narrow = register.update_object(eg, CulturalObject.objects.get(pk=published_narrow.pk),
                                                   {"sharing": "network"})
        draft = cases.create_report(eg, {"kind": "loss", "occurred_on": (today - timedelta(days=10)).isoformat(),
                                         "place": "Réserve de Louxor", "police_reference": "LXR-DRAFT-4410"},
                                    objects=[w["EG-MOA-agency"]])
        # An object announced to the network, then narrowed back to the agency.
        found = make_object(eg, "EG-MOA-FOUND-0001", sharing="agency", status="discovered_unknown",
                            title="Objet trouvé puis restreint", lang="fr")
        cases.announce_discovered(eg, found, "network")
        found = register.update_object(eg, CulturalObject.objects.get(pk=found.pk),
                                       {"sharing": "agency"})
        # Heritage places: one kept by the ministry, one public.
        private_place = place(eg, name_en="Secret excavation of Saqqara", name_fr="Fouille réservée de Saqqarah",
                              name_ar="حفرية سقارة المحجوبة", sharing="agency")
        public_place = place(eg, sharing="public")
    with acting_as(mp, via="test"):
        restitution = cases.open_restitution(mp, {"requesting_country": "EG", "legal_basis": "unesco_1970",
                                                  "summary": "Retour du dinar saisi"}, objects=[first.object])
    w.update(seizure=seizure, first=first, late=late, secret_candidate=secret_candidate,
             hidden_seizure=hidden_seizure, facility=facility, location=location, entry=entry,
             published_narrow=published_narrow, report=report, draft=draft, found=found,
             restitution=restitution, private_place=private_place, public_place=public_place)
    return w
