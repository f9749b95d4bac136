"""Heritage demo data for `make run`: the real UNESCO World Heritage List (shipped in `turath/data/`) and the
organization's own list filled through the real procedure — places on the preliminary list, files in
preparation, one under evaluation and one inscribed then entered on the list in danger.

The places are real sites with their real names and positions; the files, reports and decisions about them
are invented (as the register's demo objects are). Every step goes through `services`, as a user's would,
with the dates of a past cycle so that the calendar's deadlines hold. The demo agencies and accounts come
from `turath demo` (register); without them nothing of the organization's list is made.
"""

import datetime
import json
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from turath.core.context import acting_as
from turath.core.models import Agency, AgencyKind, User
from turath.data import WORLD_HERITAGE_XLS

from . import services
from .models import AttachmentKind, Decision, HeritageList, HeritagePlace, Nomination
from .unesco import SOURCE, import_unesco


@dataclass
class HeritageDemoReport:
    unesco_rows: int = 0
    places: int = 0
    nominations: dict = field(default_factory=dict)
    skipped: str = ""


def _square(lon, lat, half):
    ring = [[lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half], [lon - half, lat + half],
            [lon - half, lat - half]]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


# (agency code, names ar/en/fr, lon, lat, half-size of the boundary in degrees, how far its file goes, description)
PLACES = [
    ("eg-ministry", "مدينة رشيد التاريخية", "Historic Rosetta", "Rosette historique", 30.4167, 31.4044, 0.012,
     "inscribed", ("ar", "مدينة على مصب فرع رشيد تضم بيوتاً عثمانية من الطوب المنجور ومساجد وحمامات.")),
    ("eg-ministry", "واحة سيوة وقلعة شالي", "Siwa Oasis and the Shali fortress", "Oasis de Siwa et forteresse de Shali",
     25.5195, 29.2032, 0.02, "evaluation",
     ("ar", "واحة في الصحراء الغربية تتوسطها قلعة شالي المبنية من الكرشيف.")),
    ("ma-ministry", "قصر تامنوكالت", "Ksar of Tamnougalt", "Ksar de Tamnougalt", -6.6436, 30.6791, 0.006, "draft",
     ("fr", "Ksar fortifié de la vallée du Drâa, ancienne capitale de la confédération des Mezguita.")),
    ("tn-ministry", "سبيطلة الأثرية", "Archaeological site of Sbeitla", "Site archéologique de Sbeïtla",
     9.1233, 35.2386, 0.008, "preliminary", ("fr", "Ville romaine de Sufetula, avec ses trois temples du forum.")),
    ("jo-ministry", "أم الجمال", "Umm el-Jimal", "Umm el-Jimal", 36.3667, 32.3264, 0.01, "preliminary",
     ("ar", "بلدة من البازلت الأسود من العصور النبطية والرومانية والبيزنطية والأموية.")),
    ("iq-ministry", "حصن الأخيضر", "Al-Ukhaidir fortress", "Forteresse d'al-Ukhaidir", 43.5997, 32.4369, 0.004,
     "draft", ("ar", "قصر محصن من العصر العباسي في بادية كربلاء.")),
    ("sa-ministry", "البلدة القديمة في العلا", "Old town of AlUla", "Vieille ville d'AlUla", 37.9180, 26.6170,
     0.006, "preliminary", ("ar", "بلدة طينية قديمة على طريق البخور بين الجبال.")),
    ("dz-ministry", "قصبة دلس", "Casbah of Dellys", "Casbah de Dellys", 3.9130, 36.9170, 0.004, "preliminary",
     ("fr", "Médina côtière de Kabylie, avec ses maisons ottomanes et son port antique.")),
]
SECTION_TEXT = {
    "ar": "نص القسم «{title}» من ملف ترشيح {name}.",
    "fr": "Texte de la section « {title} » du dossier de proposition de {name}.",
}
JUSTIFICATION = {
    "ar": {"(iii)": "شهادة استثنائية على حضارة وتقاليد عمرانية حية.", "(iv)": "نموذج بارز لنمط من العمارة التقليدية."},
    "fr": {"(iii)": "Témoignage exceptionnel sur une tradition urbaine vivante.",
           "(iv)": "Exemple éminent d'un type d'architecture traditionnelle."},
}
PAST_CYCLE = 2025  # the inscribed file's session: every deadline of its calendar has passed


def load_heritage_demo(*, unesco: bool = True) -> HeritageDemoReport:
    report = HeritageDemoReport()
    secretariat = Agency.objects.filter(kind=AgencyKind.SECRETARIAT).order_by("pk").first()
    if unesco and secretariat is not None and not HeritagePlace.objects.filter(source=SOURCE).exists():
        with acting_as(None, via="demo"):
            report.unesco_rows = import_unesco(WORLD_HERITAGE_XLS, agency=secretariat).rows
    people = {u.username: u for u in User.objects.filter(username__in=[
        "secretariat-admin", "ma-ministry-editor", *(f"{p[0]}-editor" for p in PLACES),
        *(f"{p[0]}-admin" for p in PLACES)])}
    if "secretariat-admin" not in people or "eg-ministry-editor" not in people:
        report.skipped = "the demo agencies and accounts are missing (run `turath demo` first)"
        return report
    olist = HeritageList.objects.get(key="organization")
    if Nomination.objects.filter(heritage_list=olist).exists():
        report.skipped = "the organization's list already has files"
        return report
    with transaction.atomic():
        for spec in PLACES:
            _place_and_file(spec, olist, people, report)
    return report


def _place_and_file(spec, olist, people, report):
    code, ar, en, fr, lon, lat, half, stage, (lang, text) = spec
    editor = people.get(f"{code}-editor")
    if editor is None:
        return
    with acting_as(editor, via="demo"):
        place = services.create_place(editor, {
            "name_ar": ar, "name_en": en, "name_fr": fr, "category": "cultural", "states": [editor.agency.country],
            "lon": lon, "lat": lat, "boundary": _square(lon, lat, half), "sharing": "public",
            "description": {"lang": lang, "text": text},
            "criteria_justification": {code: {"lang": lang, "text": JUSTIFICATION[lang][code]} for code in ("(iii)", "(iv)")}})
        report.places += 1
        criteria = list(olist.criteria_set.criteria.filter(code__in=["(iii)", "(iv)"]))
        n = services.create_preliminary_entry(editor, place, olist, criteria=criteria,
                                              today=datetime.date(PAST_CYCLE - 1, 2, 10))
    if stage != "preliminary":
        with acting_as(editor, via="demo"):
            n = services.start_file(editor, n)
            services.update_sections(editor, n, {key: SECTION_TEXT[lang].format(title=title, name=place.name(lang))
                                                 for key, title in services.SECTIONS.items()})
    if stage in ("evaluation", "inscribed"):
        admin = people[f"{code}-admin"]
        with acting_as(editor, via="demo"):
            for kind in services.REQUIRED_ATTACHMENTS["place"]:
                upload = SimpleUploadedFile(f"{kind}.pdf", b"%PDF-1.4\n% demo document\n", "application/pdf")
                services.add_attachment(editor, n, kind, str(AttachmentKind(kind).label), upload)
        with acting_as(admin, via="demo"):
            n = services.submit(admin, n, today=datetime.date(PAST_CYCLE, 1, 20))
        sec, evaluator = people["secretariat-admin"], people["ma-ministry-editor"]
        with acting_as(sec, via="demo"):
            assignment = services.assign_evaluator(sec, n, evaluator)
        with acting_as(evaluator, via="demo"):
            services.declare_conflict_of_interest(evaluator, assignment, has_conflict=False)
        with acting_as(sec, via="demo"):
            n = services.start_evaluation(sec, n)
    if stage == "inscribed":
        with acting_as(evaluator, via="demo"):
            services.submit_evaluation_report(evaluator, n, recommendation=Decision.INSCRIBE,
                                              text="Valeur exceptionnelle démontrée ; protection juridique suffisante.")
        with acting_as(sec, via="demo"):
            n = services.recommend(sec, n, Decision.INSCRIBE, "توصي الأمانة بالإدراج على أساس المعيارين (iii) و(iv).",
                                   today=datetime.date(PAST_CYCLE, 9, 1))
            n = services.decide(sec, n, Decision.INSCRIBE, code=f"COM {PAST_CYCLE % 100}.B.3",
                                text="قررت اللجنة إدراج الموقع في القائمة.", today=datetime.date(PAST_CYCLE, 11, 20))
            place.refresh_from_db()
            services.enter_danger_list(sec, place, threats="ارتفاع منسوب المياه الجوفية وفيضان النيل",
                                       corrective_measures="خطة عاجلة لتصريف المياه وتدعيم الأساسات",
                                       today=datetime.date(PAST_CYCLE + 1, 7, 1))
    report.nominations[n.state] = report.nominations.get(n.state, 0) + 1
