"""A synthetic demo register: agencies of member states, a user of every role, objects and photographs.

The demo data is synthetic. Every record is written from templates (aligned Arabic, English and
French wordings, so translations really translate), with types, materials, techniques, periods,
dates and places that belong together: a dinar is gold, struck, Umayyad to Fatimid; a lustre tile
is stonepaste from Kashan; a Kufic Qur'an folio is on parchment. Records move through the whole
lifecycle (reported stolen, published, seized, restituted …) with a dated status history.

`demo_row(i, seed)` returns one record as a plain dict in the shape `services.validate_record`
and the CSV importer read; `load_demo` writes rows in bulk (one transaction per batch, search
text composed as register/search.py does) and photographs through `images.add_image`.
Everything is seeded: the same seed gives the same records.
"""

import io
import json
import math
import random
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
from django.contrib.auth.hashers import make_password
from django.db import transaction
from PIL import Image, ImageDraw

from turath.core import audit, multilingual
from turath.core.context import acting_as
from turath.core.models import Agency, Role, User
from turath.core.permissions import Sharing
from turath.vocabulary import services as vocab
from turath.vocabulary.models import Concept

from . import images as register_images
from .dates import parse_date
from .models import CulturalObject, Inscription, Measurement, ObjectStatus, StatusChange
from .search import _concept_terms, compose_search_text

# A fixed password is acceptable ONLY because these are demo accounts on synthetic data.
DEMO_PASSWORD = "turath-demo"
DEFAULT_SEED = 2026
LANGS = ("ar", "en", "fr")
S = ObjectStatus


class DemoError(RuntimeError):
    pass


# --------------------------------------------------------------------------------------------------
# Member states, agencies and people
# --------------------------------------------------------------------------------------------------

# code: (English, French, Arabic, weight of the original language ar/fr/en in its records)
COUNTRIES = {
    "EG": ("Egypt", "Égypte", "مصر", (0.6, 0.1, 0.3)),
    "MA": ("Morocco", "Maroc", "المغرب", (0.45, 0.45, 0.1)),
    "TN": ("Tunisia", "Tunisie", "تونس", (0.45, 0.45, 0.1)),
    "DZ": ("Algeria", "Algérie", "الجزائر", (0.45, 0.45, 0.1)),
    "JO": ("Jordan", "Jordanie", "الأردن", (0.6, 0.05, 0.35)),
    "IQ": ("Iraq", "Irak", "العراق", (0.7, 0.05, 0.25)),
    "SA": ("Saudi Arabia", "Arabie saoudite", "السعودية", (0.7, 0.05, 0.25)),
    "SY": ("Syria", "Syrie", "سوريا", (0.65, 0.15, 0.2)),
    "LB": ("Lebanon", "Liban", "لبنان", (0.4, 0.4, 0.2)),
    "SN": ("Senegal", "Sénégal", "السنغال", (0.1, 0.8, 0.1)),
    "PK": ("Pakistan", "Pakistan", "باكستان", (0.2, 0.05, 0.75)),
    "TR": ("Türkiye", "Turquie", "تركيا", (0.2, 0.1, 0.7)),
}
SECRETARIAT_COUNTRY = "SA"  # the secretariat's seat

KIND_NAMES = {  # (English, French, Arabic) with the country's name
    "customs": ("{en} Customs Administration", "Administration des douanes — {fr}", "مصلحة الجمارك — {ar}"),
    "police": ("{en} Police, Cultural Property Unit", "Police — brigade du patrimoine, {fr}",
               "الشرطة — وحدة حماية الممتلكات الثقافية، {ar}"),
    "ministry": ("{en} Ministry of Culture and Heritage", "Ministère de la Culture et du Patrimoine — {fr}",
                 "وزارة الثقافة والتراث — {ar}"),
    "museum": ("National Museum of {en}", "Musée national — {fr}", "المتحف الوطني — {ar}"),
}
# Real-sounding names where the demo accounts log in, so the pages read naturally.
NAMED_AGENCIES = {
    ("EG", "customs"): ("Egyptian Customs Authority", "Autorité douanière égyptienne", "مصلحة الجمارك المصرية"),
    ("EG", "police"): ("Tourism and Antiquities Police", "Police du tourisme et des antiquités",
                       "شرطة السياحة والآثار"),
    ("EG", "ministry"): ("Ministry of Tourism and Antiquities", "Ministère du Tourisme et des Antiquités",
                         "وزارة السياحة والآثار"),
    ("EG", "museum"): ("Museum of Islamic Art, Cairo", "Musée d'art islamique du Caire", "متحف الفن الإسلامي بالقاهرة"),
    ("MA", "customs"): ("Customs and Indirect Taxes Administration", "Administration des douanes et impôts indirects",
                        "إدارة الجمارك والضرائب غير المباشرة"),
    ("MA", "police"): ("Moroccan National Police", "Sûreté nationale du Maroc", "المديرية العامة للأمن الوطني"),
    ("MA", "ministry"): ("Ministry of Youth, Culture and Communication", "Ministère de la Jeunesse, de la Culture "
                         "et de la Communication", "وزارة الشباب والثقافة والتواصل"),
    ("MA", "museum"): ("National Museum of Archaeology, Rabat", "Musée national d'archéologie, Rabat",
                       "المتحف الوطني للآثار بالرباط"),
}
AGENCY_KINDS = ("customs", "police", "ministry", "museum")
LOGIN_COUNTRIES = ("EG", "MA")  # every role in every agency of these member states
ALL_ROLES = (Role.VIEWER, Role.CONTRIBUTOR, Role.EDITOR, Role.AGENCY_ADMIN)
_ROLE_SLUG = {Role.VIEWER: "viewer", Role.CONTRIBUTOR: "contributor", Role.EDITOR: "editor",
              Role.AGENCY_ADMIN: "admin", Role.SECRETARIAT_ADMIN: "admin"}


def demo_agencies() -> list[dict]:
    out = []
    for cc, (en, fr, ar, _) in COUNTRIES.items():
        for kind in AGENCY_KINDS:
            names = NAMED_AGENCIES.get((cc, kind)) or tuple(t.format(en=en, fr=fr, ar=ar) for t in KIND_NAMES[kind])
            out.append({"code": f"{cc.lower()}-{kind}", "kind": kind, "country": cc,
                        "name_en": names[0], "name_fr": names[1], "name_ar": names[2]})
    out.append({"code": "secretariat", "kind": "secretariat", "country": SECRETARIAT_COUNTRY,
                "name_en": "General Secretariat", "name_fr": "Secrétariat général", "name_ar": "الأمانة العامة"})
    return out


def demo_users() -> list[dict]:
    """Every role in every agency of EG and MA, an editor in every other agency, the secretariat's administrator."""
    out = []
    for agency in demo_agencies():
        if agency["kind"] == "secretariat":
            out.append({"username": "secretariat-admin", "role": Role.SECRETARIAT_ADMIN, "agency": "secretariat"})
            out.append({"username": "secretariat-viewer", "role": Role.VIEWER, "agency": "secretariat"})
            continue
        roles = ALL_ROLES if agency["country"] in LOGIN_COUNTRIES else (Role.EDITOR,)
        for role in roles:
            out.append({"username": f"{agency['code']}-{_ROLE_SLUG[role]}", "role": role, "agency": agency["code"]})
    return out


def ensure_people() -> tuple[dict, dict]:
    """Create the demo agencies and accounts if missing (idempotent). Returns (agencies, users) by code/username."""
    agencies = {}
    for spec in demo_agencies():
        agency, _ = Agency.objects.get_or_create(code=spec["code"], defaults=spec)
        agencies[agency.code] = agency
    users = {}
    # Hashing is slow on purpose (PBKDF2); the demo accounts share one password, so hash it once.
    password_hash = make_password(DEMO_PASSWORD)
    existing = {u.username: u for u in User.objects.filter(username__in=[s["username"] for s in demo_users()])}
    for spec in demo_users():
        user = existing.get(spec["username"])
        if user is None:
            agency = agencies[spec["agency"]]
            lang = "fr" if agency.country in ("MA", "TN", "DZ", "SN", "LB") else "ar" if agency.country != "PK" else "en"
            user = User(username=spec["username"], role=spec["role"], agency=agency, preferred_language=lang,
                        email=f"{spec['username']}@demo.turath.invalid")
            user.password = password_hash
            user.save()
        users[user.username] = user
    return agencies, users


def login_table() -> list[tuple[str, str, str, str]]:
    """(username, role, agency, country) of every demo account, as `turath demo --print-logins` shows them."""
    names = {a["code"]: a["name_en"] for a in demo_agencies()}
    countries = {a["code"]: a["country"] for a in demo_agencies()}
    return [(u["username"], str(u["role"]), names[u["agency"]], countries[u["agency"]]) for u in demo_users()]


# --------------------------------------------------------------------------------------------------
# What objects are made of: periods, places and archetypes with aligned trilingual wording
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    en: str  # also the vocabulary label looked up
    fr: str  # adjective after the noun: «dinar abbasside»
    ar: str  # the era: «العصر العباسي»
    start: int
    end: int
    islamic: bool = True


PERIODS = {p.en: p for p in (
    Period("Umayyad", "omeyyade", "العصر الأموي", 661, 750),
    Period("Abbasid", "abbasside", "العصر العباسي", 750, 1258),
    Period("Fatimid", "fatimide", "العصر الفاطمي", 909, 1171),
    Period("Ayyubid", "ayyoubide", "العصر الأيوبي", 1171, 1260),
    Period("Seljuk", "seldjoukide", "العصر السلجوقي", 1037, 1194),
    Period("Ilkhanid", "ilkhanide", "العصر الإيلخاني", 1256, 1353),
    Period("Mamluk", "mamelouk", "العصر المملوكي", 1250, 1517),
    Period("Almohad", "almohade", "العصر الموحدي", 1121, 1269),
    Period("Ottoman", "ottoman", "العصر العثماني", 1299, 1922),
    Period("Safavid", "safavide", "العصر الصفوي", 1501, 1736),
    Period("Roman", "romain", "العصر الروماني", -27, 395, False),
    Period("Byzantine", "byzantin", "العصر البيزنطي", 330, 1453, False),
    Period("Akkadian", "akkadien", "العصر الأكدي", -2334, -2154, False),
    Period("Neo-Assyrian", "néo-assyrien", "العصر الآشوري الحديث", -911, -609, False),
)}

# key: (English, French, Arabic, ISO country)
PLACES = {
    "cairo": ("Cairo", "Le Caire", "القاهرة", "EG"), "fustat": ("Fustat", "Fostat", "الفسطاط", "EG"),
    "alexandria": ("Alexandria", "Alexandrie", "الإسكندرية", "EG"),
    "damascus": ("Damascus", "Damas", "دمشق", "SY"), "aleppo": ("Aleppo", "Alep", "حلب", "SY"),
    "baghdad": ("Baghdad", "Bagdad", "بغداد", "IQ"), "mosul": ("Mosul", "Mossoul", "الموصل", "IQ"),
    "samarra": ("Samarra", "Samarra", "سامراء", "IQ"), "wasit": ("Wasit", "Wasit", "واسط", "IQ"),
    "ur": ("Ur", "Ur", "أور", "IQ"), "nineveh": ("Nineveh", "Ninive", "نينوى", "IQ"),
    "kairouan": ("Kairouan", "Kairouan", "القيروان", "TN"), "tunis": ("Tunis", "Tunis", "تونس", "TN"),
    "mahdia": ("Mahdia", "Mahdia", "المهدية", "TN"),
    "fez": ("Fez", "Fès", "فاس", "MA"), "marrakesh": ("Marrakesh", "Marrakech", "مراكش", "MA"),
    "rabat": ("Rabat", "Rabat", "الرباط", "MA"),
    "tlemcen": ("Tlemcen", "Tlemcen", "تلمسان", "DZ"), "algiers": ("Algiers", "Alger", "الجزائر", "DZ"),
    "jerash": ("Jerash", "Jerash", "جرش", "JO"), "petra": ("Petra", "Pétra", "البتراء", "JO"),
    "mecca": ("Mecca", "La Mecque", "مكة", "SA"), "medina": ("Medina", "Médine", "المدينة", "SA"),
    "sanaa": ("Sanaa", "Sanaa", "صنعاء", "YE"), "tripoli_lb": ("Tripoli", "Tripoli", "طرابلس", "LB"),
    "timbuktu": ("Timbuktu", "Tombouctou", "تمبكتو", "ML"), "saint_louis": ("Saint-Louis", "Saint-Louis", "سان لويس", "SN"),
    "lahore": ("Lahore", "Lahore", "لاهور", "PK"), "multan": ("Multan", "Multan", "ملتان", "PK"),
    "istanbul": ("Istanbul", "Istanbul", "إسطنبول", "TR"), "iznik": ("Iznik", "Iznik", "إزنيق", "TR"),
    "konya": ("Konya", "Konya", "قونية", "TR"),
    "kashan": ("Kashan", "Kachan", "كاشان", "IR"), "isfahan": ("Isfahan", "Ispahan", "أصفهان", "IR"),
    "tabriz": ("Tabriz", "Tabriz", "تبريز", "IR"), "nishapur": ("Nishapur", "Nichapour", "نيسابور", "IR"),
}


@dataclass
class Archetype:
    """A kind of object whose parts belong together. Text triples are (en, fr, ar), aligned."""

    key: str
    weight: int
    types: tuple  # vocabulary labels, first that resolves wins (the most specific first)
    materials: tuple
    techniques: tuple
    periods: tuple
    places: tuple
    measures: tuple  # (dimension, low, high, unit, decimals)
    titles: tuple
    sentences: tuple  # of slots; each slot a tuple of (en, fr, ar) alternatives
    image: str
    inscriptions: tuple = ()  # (kind, Arabic text, English translation, script, position)
    owners: tuple = AGENCY_KINDS


_SHAHADA = ("لا إله إلا الله وحده لا شريك له", "There is no god but God alone, He has no associate")
_MINT = ("بسم الله ضرب هذا الدينار ب{place_ar} سنة {ah}", "In the name of God, this dinar was struck at {place_en} "
         "in the year {ah}")
ARCHETYPES = (
    Archetype(
        "dinar", 14, ("dinar", "coin"), ("gold",), ("striking", "minting"), ("Umayyad", "Abbasid", "Fatimid"),
        ("damascus", "baghdad", "fustat", "cairo", "mahdia", "wasit"),
        (("diameter", 17, 24, "mm", 1), ("weight", 3.8, 4.4, "g", 2)),
        (("Gold dinar, {period}", "Dinar d'or {period}", "دينار ذهبي من {era}"),
         ("{period} dinar struck at {place}", "Dinar {period} frappé à {place}", "دينار ضُرب في {place} في {era}"),
         ("Dinar of {place}, {date}", "Dinar de {place}, {date}", "دينار {place}، {date}")),
        ((("Gold dinar struck at {place}.", "Dinar d'or frappé à {place}.", "دينار من الذهب ضُرب في {place}."),
          ("A {period} gold coin from the mint of {place}.", "Monnaie d'or {period} de l'atelier de {place}.",
           "قطعة نقدية ذهبية من دار السك في {place}.")),
         (("The field carries the profession of faith in Kufic script on three lines.",
           "Le champ porte la profession de foi en écriture coufique sur trois lignes.",
           "يحمل المركز الشهادة بالخط الكوفي في ثلاثة أسطر."),
          ("The marginal legend names the mint and the year.", "La légende marginale nomme l'atelier et l'année.",
           "يذكر الهامش دار السك والسنة.")),
         (("Weight {weight}, diameter {diameter}.", "Poids {weight}, diamètre {diameter}.",
           "الوزن {weight}، القطر {diameter}."),),
         (("Slight wear on the high points; a small edge nick.", "Légère usure des reliefs ; petite entaille sur la "
           "tranche.", "تآكل طفيف في البروزات وحزّ صغير على الحافة."),
          ("Pierced near the rim, probably once worn as jewellery.", "Percé près du bord, sans doute porté en bijou.",
           "مثقوب قرب الحافة، ربما استُعمل حلية."))),
        "coin-gold", ((("inscription",) + _SHAHADA + ("Kufic", "obverse field")),
                      (("inscription",) + _MINT + ("Kufic", "reverse margin")))),
    Archetype(
        "dirham", 10, ("dirham", "coin"), ("silver",), ("striking", "minting"), ("Umayyad", "Abbasid", "Almohad"),
        ("wasit", "damascus", "baghdad", "fez", "marrakesh", "tlemcen"),
        (("diameter", 24, 29, "mm", 1), ("weight", 2.6, 3.0, "g", 2)),
        (("Silver dirham, {period}", "Dirham d'argent {period}", "درهم فضي من {era}"),
         ("Dirham of {place}", "Dirham de {place}", "درهم {place}"),
         ("{period} silver dirham, {date}", "Dirham {period} en argent, {date}", "درهم فضة، {date}")),
        ((("Silver dirham struck at {place}.", "Dirham d'argent frappé à {place}.", "درهم من الفضة ضُرب في {place}."),
          ("A thin silver coin of the {period} mint at {place}.", "Fine monnaie d'argent {period} de {place}.",
           "قطعة فضية رقيقة من {place} في {era}.")),
         (("Legends in Kufic script; the square Almohad type is recognisable.",
           "Légendes en coufique ; type reconnaissable à son champ.", "كتابات بالخط الكوفي واضحة."),
          ("Two concentric circles frame the legends.", "Deux cercles concentriques encadrent les légendes.",
           "دائرتان متحدتا المركز تحيطان بالكتابات.")),
         (("Weight {weight}, diameter {diameter}.", "Poids {weight}, diamètre {diameter}.",
           "الوزن {weight}، القطر {diameter}."),),
         (("Dark toning; a test cut on the edge.", "Patine sombre ; coup de contrôle sur la tranche.",
           "لون داكن وأثر قطع اختبار على الحافة."),)),
        "coin-silver", ((("inscription",) + _SHAHADA + ("Kufic", "obverse field")),)),
    Archetype(
        "lustre-tile", 10, ("tile",), ("stonepaste", "fritware", "ceramic", "clay"), ("lustreware", "glazing"),
        ("Ilkhanid", "Seljuk"), ("kashan",),
        (("height", 18, 32, "cm", 1), ("width", 18, 32, "cm", 1), ("thickness", 1.2, 2.2, "cm", 1)),
        (("Lustre tile from Kashan", "Carreau à décor lustré de Kachan", "بلاطة ذات بريق معدني من كاشان"),
         ("Star-shaped lustreware tile, {period}", "Carreau étoilé à lustre métallique, {period}",
          "بلاطة نجمية ذات بريق معدني من {era}"),
         ("{period} tile with lustre decoration", "Carreau {period} à décor de lustre", "بلاطة مزخرفة بالبريق المعدني")),
        ((("Stonepaste tile with lustre decoration made at {place}.", "Carreau en pâte siliceuse à décor lustré "
           "produit à {place}.", "بلاطة من العجينة الحجرية مزخرفة بالبريق المعدني صُنعت في {place}."),
          ("A {period} wall tile from the workshops of {place}.", "Carreau mural {period} des ateliers de {place}.",
           "بلاطة جدارية من ورش {place} في {era}.")),
         (("The border carries a Qur'anic verse in naskh on a cobalt ground.",
           "La bordure porte un verset coranique en naskhi sur fond de cobalt.",
           "يحمل الإطار آية قرآنية بخط النسخ على أرضية زرقاء كوبالتية."),
          ("Birds and scrolling foliage fill the centre.", "Des oiseaux et des rinceaux remplissent le centre.",
           "تملأ الطيور والزخارف النباتية الوسط.")),
         (("Size {height} by {width}.", "Dimensions {height} sur {width}.", "المقاس {height} × {width}."),),
         (("Chipped corner; mortar remains on the back.", "Coin ébréché ; restes de mortier au revers.",
           "زاوية مكسورة وبقايا ملاط على الظهر."),
          ("Crazing of the glaze and loss of lustre on one point.", "Craquelures de la glaçure et perte de lustre "
           "sur une pointe.", "تشققات في الطلاء وفقدان البريق عند إحدى الرؤوس."))),
        "tile", (("inscription", "بسم الله الرحمن الرحيم", "In the name of God, the Merciful, the Compassionate",
                  "Naskh", "border"),)),
    Archetype(
        "kufic-folio", 8, ("Qur'an folio", "folio", "manuscript"), ("parchment",), ("calligraphy", "gilding"),
        ("Abbasid", "Fatimid"), ("kairouan", "baghdad", "damascus", "cairo"),
        (("height", 14, 28, "cm", 1), ("width", 20, 36, "cm", 1)),
        (("Qur'an folio in Kufic script", "Feuillet de Coran en écriture coufique", "ورقة مصحف بالخط الكوفي"),
         ("Kufic Qur'an leaf on parchment, {period}", "Feuillet coranique coufique sur parchemin, {period}",
          "رقّ من مصحف كوفي من {era}"),
         ("Folio from a Kufic Qur'an, {place}", "Folio d'un Coran coufique, {place}", "ورقة من مصحف كوفي، {place}")),
        ((("Horizontal folio on parchment, written in brown ink in Kufic script.",
           "Folio oblong sur parchemin, écrit à l'encre brune en coufique.",
           "ورقة أفقية من الرق مكتوبة بالحبر البني بالخط الكوفي."),
          ("A leaf of a {period} Qur'an, probably from {place}.", "Feuillet d'un Coran {period}, sans doute de {place}.",
           "ورقة من مصحف من {era}، على الأرجح من {place}.")),
         (("Vowels marked with red dots; verse ends with gold rosettes.",
           "Voyelles notées par des points rouges ; fins de versets en rosettes d'or.",
           "الحركات منقوطة بالأحمر وفواصل الآيات بوريدات ذهبية."),),
         (("Page {height} by {width}.", "Page de {height} sur {width}.", "الصفحة {height} × {width}."),),
         (("Old repair on the lower margin; small worm holes.", "Ancienne restauration de la marge inférieure ; "
           "petits trous de vers.", "ترميم قديم في الهامش السفلي وثقوب أرضة صغيرة."),)),
        "manuscript-kufic", (("inscription", "الحمد لله رب العالمين", "Praise be to God, Lord of the worlds", "Kufic",
                              "recto, line 1"),), ("ministry", "museum", "police", "customs")),
    Archetype(
        "naskh-manuscript", 10, ("manuscript",), ("paper",), ("calligraphy", "gilding", "illumination"),
        ("Mamluk", "Ottoman", "Safavid"), ("cairo", "damascus", "istanbul", "isfahan", "fez", "timbuktu"),
        (("height", 16, 34, "cm", 1), ("width", 11, 24, "cm", 1), ("thickness", 1, 8, "cm", 1)),
        (("Manuscript in Naskh script, {period}", "Manuscrit en écriture naskhi, {period}", "مخطوط بخط النسخ من {era}"),
         ("Illuminated manuscript copied at {place}", "Manuscrit enluminé copié à {place}", "مخطوط مذهب نُسخ في {place}"),
         ("Treatise on astronomy, {date}", "Traité d'astronomie, {date}", "رسالة في علم الفلك، {date}"),
         ("Collection of hadith, {period}", "Recueil de hadiths, {period}", "مجموع في الحديث من {era}")),
        ((("Paper manuscript in Naskh script, black ink with rubrics in red.",
           "Manuscrit sur papier en naskhi, encre noire et rubriques rouges.",
           "مخطوط على الورق بخط النسخ بالحبر الأسود والعناوين بالأحمر."),
          ("Copied at {place} during the {period} period.", "Copié à {place} à l'époque {period}.",
           "نُسخ في {place} في {era}.")),
         (("Opening pages illuminated in gold and blue.", "Pages d'ouverture enluminées d'or et de bleu.",
           "الصفحتان الأوليان مذهبتان ومزينتان بالأزرق."),
          ("Brown leather binding with a flap and blind-tooled medallion.",
           "Reliure de cuir brun à rabat, médaillon estampé à froid.", "تجليد من الجلد البني بلسان وجامة مضغوطة.")),
         (("Size {height} by {width}, thickness {thickness}.", "Format {height} sur {width}, épaisseur {thickness}.",
           "المقاس {height} × {width}، السمك {thickness}."),),
         (("Water stain in the lower margin of the last quires.", "Tache d'eau dans la marge inférieure des derniers "
           "cahiers.", "أثر ماء في الهامش السفلي للكراريس الأخيرة."),
          ("Ownership seal on the first folio.", "Cachet de possesseur sur le premier feuillet.",
           "ختم تملك على الورقة الأولى."))),
        "manuscript-naskh", (("inscription", "تم الكتاب بحمد الله وعونه", "The book is completed with the praise "
                              "and help of God", "Naskh", "colophon"),
                             ("seal", "وقف لله تعالى", "Endowed (waqf) for God the Exalted", "Thuluth",
                              "first folio"))),
    Archetype(
        "astrolabe", 4, ("astrolabe",), ("copper alloy", "brass", "bronze"), ("engraving",),
        ("Mamluk", "Safavid", "Ottoman"), ("cairo", "damascus", "isfahan", "istanbul"),
        (("diameter", 9, 22, "cm", 1), ("weight", 350, 2200, "g", 0)),
        (("Planispheric astrolabe, {period}", "Astrolabe planisphérique, {period}", "أسطرلاب مسطح من {era}"),
         ("Brass astrolabe signed at {place}", "Astrolabe en laiton signé à {place}", "أسطرلاب نحاسي موقع في {place}")),
        ((("Astrolabe of cast and engraved copper alloy with three plates.",
           "Astrolabe en alliage cuivreux fondu et gravé, à trois tympans.",
           "أسطرلاب من سبيكة نحاسية مصبوبة ومنقوشة بثلاث صفائح."),
          ("Made at {place} in the {period} period.", "Fabriqué à {place} à l'époque {period}.",
           "صُنع في {place} في {era}.")),
         (("The rete has star pointers in the form of leaves.", "L'araignée porte des pointeurs d'étoiles en forme "
           "de feuilles.", "العنكبوت ذات مؤشرات نجمية على هيئة أوراق."),),
         (("Diameter {diameter}, weight {weight}.", "Diamètre {diameter}, poids {weight}.",
           "القطر {diameter}، الوزن {weight}."),),
         (("The alidade is missing.", "L'alidade manque.", "العضادة مفقودة."),)),
        "astrolabe", (("signature", "عمل محمد بن أحمد", "Work of Muhammad ibn Ahmad", "Naskh", "back, lower edge"),)),
    Archetype(
        "oil-lamp", 8, ("oil lamp", "lamp"), ("clay", "terracotta", "earthenware"), ("moulding", "molding"),
        ("Roman", "Byzantine", "Umayyad"), ("jerash", "petra", "alexandria", "kairouan", "tunis"),
        (("length", 7, 12, "cm", 1), ("width", 5, 8, "cm", 1), ("height", 2.5, 5, "cm", 1)),
        (("Mould-made oil lamp, {period}", "Lampe à huile moulée, {period}", "سراج زيت مصبوب من {era}"),
         ("Terracotta lamp from {place}", "Lampe en terre cuite de {place}", "سراج من الفخار من {place}")),
        ((("Mould-made terracotta lamp with a rounded nozzle.", "Lampe moulée en terre cuite à bec arrondi.",
           "سراج مصبوب من الفخار بفوهة مستديرة."),
          ("A {period} lamp from the region of {place}.", "Lampe {period} de la région de {place}.",
           "سراج من منطقة {place} في {era}.")),
         (("The discus shows a rosette; the shoulder has a vine scroll.", "Le médaillon montre une rosette ; "
           "l'épaule porte un rinceau de vigne.", "يحمل القرص وردة وعلى الكتف زخرفة كرمة.")),
         (("Length {length}, height {height}.", "Longueur {length}, hauteur {height}.",
           "الطول {length}، الارتفاع {height}."),),
         (("Soot around the nozzle; handle broken.", "Traces de suie au bec ; anse cassée.",
           "آثار سخام حول الفوهة ومقبض مكسور."),)),
        "lamp"),
    Archetype(
        "glass-bottle", 5, ("bottle", "vessel", "vase"), ("glass",), ("enamelling", "gilding", "glass blowing"),
        ("Mamluk", "Ayyubid"), ("damascus", "aleppo", "cairo"),
        (("height", 18, 45, "cm", 1), ("diameter", 10, 25, "cm", 1)),
        (("Enamelled glass bottle, {period}", "Bouteille en verre émaillé, {period}", "قارورة زجاجية مطلية بالمينا"),
         ("Gilded glass vessel from {place}", "Vase en verre doré de {place}", "إناء زجاجي مذهب من {place}")),
        ((("Blown glass with enamelled and gilded decoration.", "Verre soufflé à décor émaillé et doré.",
           "زجاج منفوخ مزخرف بالمينا والتذهيب."),
          ("Made at {place} in the {period} period.", "Fabriqué à {place} à l'époque {period}.",
           "صُنع في {place} في {era}.")),
         (("A band of thuluth inscription praises the sultan.", "Un bandeau en thuluth fait l'éloge du sultan.",
           "شريط بخط الثلث يمدح السلطان."),),
         (("Height {height}.", "Hauteur {height}.", "الارتفاع {height}."),),
         (("Iridescent weathering; a crack in the neck.", "Irisation ; fêlure au col.", "تقزح سطحي وشرخ في العنق."),)),
        "vessel", (("inscription", "عز لمولانا السلطان", "Glory to our lord the sultan", "Thuluth", "shoulder"),)),
    Archetype(
        "ewer", 5, ("ewer", "vessel", "basin"), ("brass", "copper alloy", "bronze"), ("inlay", "engraving"),
        ("Mamluk", "Ayyubid", "Ilkhanid"), ("mosul", "damascus", "cairo"),
        (("height", 22, 45, "cm", 1), ("weight", 900, 3500, "g", 0)),
        (("Inlaid brass ewer, {period}", "Aiguière en laiton incrusté, {period}", "إبريق نحاسي مكفت من {era}"),
         ("Ewer inlaid with silver, {place}", "Aiguière incrustée d'argent, {place}", "إبريق مطعم بالفضة، {place}")),
        ((("Brass ewer engraved and inlaid with silver and copper.", "Aiguière en laiton gravée, incrustée d'argent "
           "et de cuivre.", "إبريق من النحاس الأصفر منقوش ومكفت بالفضة والنحاس."),
          ("A {period} work in the style of {place}.", "Œuvre {period} dans le style de {place}.",
           "عمل من {era} على طراز {place}.")),
         (("Medallions with musicians and a band of blessings in naskh.", "Médaillons de musiciens et bandeau de "
           "vœux en naskhi.", "جامات فيها عازفون وشريط أدعية بخط النسخ."),),
         (("Height {height}, weight {weight}.", "Hauteur {height}, poids {weight}.", "الارتفاع {height}، الوزن {weight}."),),
         (("Much of the silver inlay is lost; lid missing.", "Une grande partie de l'incrustation d'argent est "
           "perdue ; couvercle manquant.", "فُقد معظم التكفيت الفضي والغطاء مفقود."),)),
        "vessel", (("inscription", "العز الدائم والإقبال", "Lasting glory and prosperity", "Naskh", "neck"),)),
    Archetype(
        "carpet", 4, ("carpet", "rug"), ("wool", "silk"), ("knotting", "weaving"), ("Safavid", "Ottoman"),
        ("tabriz", "isfahan", "konya", "istanbul"),
        (("length", 150, 620, "cm", 0), ("width", 100, 320, "cm", 0)),
        (("Knotted wool carpet, {period}", "Tapis noué en laine, {period}", "سجادة صوفية معقودة من {era}"),
         ("Medallion carpet from {place}", "Tapis à médaillon de {place}", "سجادة بجامة من {place}")),
        ((("Wool pile on a cotton foundation with a central medallion.", "Velours de laine sur chaîne de coton, "
           "médaillon central.", "وبر صوفي على أساس قطني مع جامة مركزية."),
          ("Woven at {place} in the {period} period.", "Tissé à {place} à l'époque {period}.",
           "نُسجت في {place} في {era}.")),
         (("Length {length}, width {width}.", "Longueur {length}, largeur {width}.", "الطول {length}، العرض {width}."),),
         (("Worn pile and a repaired hole near one end.", "Velours usé, trou réparé près d'une extrémité.",
           "وبر متآكل وثقب مرمم قرب أحد الطرفين."),)),
        "carpet", (), ("ministry", "museum", "customs")),
    Archetype(
        "stele", 5, ("stele", "funerary stele"), ("marble", "limestone", "stone"), ("carving", "engraving"),
        ("Fatimid", "Ayyubid", "Abbasid"), ("cairo", "kairouan", "aleppo", "mecca"),
        (("height", 40, 120, "cm", 0), ("width", 25, 60, "cm", 0), ("thickness", 4, 15, "cm", 0)),
        (("Funerary stele in Kufic script, {period}", "Stèle funéraire en coufique, {period}",
          "شاهدة قبر بالخط الكوفي من {era}"),
         ("Marble stele from {place}", "Stèle en marbre de {place}", "شاهدة رخامية من {place}")),
        ((("Marble stele carved with twelve lines of floriated Kufic.", "Stèle de marbre sculptée de douze lignes "
           "de coufique fleuri.", "شاهدة من الرخام محفورة باثني عشر سطرًا بالكوفي المزهر."),
          ("From a cemetery of {place}, {period} period.", "D'un cimetière de {place}, époque {period}.",
           "من إحدى مقابر {place} في {era}.")),
         (("Height {height}, width {width}.", "Hauteur {height}, largeur {width}.", "الارتفاع {height}، العرض {width}."),),
         (("Upper corner broken off; traces of red pigment.", "Angle supérieur brisé ; traces de pigment rouge.",
           "الزاوية العليا مكسورة وآثار صبغة حمراء."),)),
        "stele", (("inscription", "هذا قبر ... توفي رحمه الله", "This is the tomb of … who died, God have mercy on him",
                   "Kufic", "face"),), ("ministry", "museum", "police")),
    Archetype(
        "cylinder-seal", 4, ("cylinder seal", "seal"), ("hematite", "lapis lazuli", "stone"), ("carving", "engraving"),
        ("Akkadian", "Neo-Assyrian"), ("ur", "nineveh"),
        (("height", 2, 4.5, "cm", 1), ("diameter", 1, 2.5, "cm", 1)),
        (("Cylinder seal, {period}", "Sceau-cylindre, {period}", "ختم أسطواني من {era}"),
         ("Cylinder seal with a contest scene, {place}", "Sceau-cylindre à scène de combat, {place}",
          "ختم أسطواني بمشهد صراع، {place}")),
        ((("Stone cylinder seal carved with a contest scene.", "Sceau-cylindre en pierre gravé d'une scène de combat.",
           "ختم أسطواني من الحجر محفور بمشهد صراع."),
          ("Said to come from {place}; {period} period.", "Dirait provenir de {place} ; époque {period}.",
           "يُقال إنه من {place}؛ {era}.")),
         (("Height {height}, diameter {diameter}.", "Hauteur {height}, diamètre {diameter}.",
           "الارتفاع {height}، القطر {diameter}."),),
         (("Perforated lengthwise; chipped at one end.", "Perforé dans la longueur ; ébréché à une extrémité.",
           "مثقوب طوليًا ومكسور عند أحد الطرفين."),)),
        "seal", (), ("police", "customs", "ministry")),
)

# The lifecycle paths records take (each step allowed by STATUS_TRANSITIONS), with weights. NETWORK marks the
# paths whose report was published to the network: the object keeps its reported status (publication is the
# report's) and is shared at least with the network.
NETWORK = "network"
STATUS_PATHS = (
    (34, (S.REGISTERED,)),
    (5, (S.REGISTERED, S.REPORTED_STOLEN)),
    (8, (S.REGISTERED, S.REPORTED_STOLEN, NETWORK)),
    (3, (S.REPORTED_LOOTED,)),
    (6, (S.REPORTED_LOOTED, NETWORK)),
    (4, (S.REGISTERED, S.REPORTED_MISSING)),
    (3, (S.REGISTERED, S.REPORTED_MISSING, NETWORK)),
    (6, (S.DISCOVERED_UNKNOWN,)),
    (3, (S.DISCOVERED_UNKNOWN, NETWORK)),
    (5, (S.DISCOVERED_UNKNOWN, S.SEIZED, S.IN_CUSTODY)),
    (5, (S.SEIZED,)),
    (6, (S.SEIZED, S.IN_CUSTODY)),
    (3, (S.SEIZED, S.IN_CUSTODY, S.RESTITUTED)),
    (4, (S.REGISTERED, S.REPORTED_STOLEN, NETWORK, S.SEIZED, S.IN_CUSTODY, S.RESTITUTED)),
    (3, (S.REPORTED_LOOTED, NETWORK, S.SEIZED, S.RESTITUTED)),
    (2, (S.REGISTERED, S.REPORTED_STOLEN, NETWORK, S.RECOVERED, S.RETURNED)),
)
# Records found or stopped at the border start with customs or the police; the rest with their holders.
_ENFORCEMENT_START = {S.DISCOVERED_UNKNOWN, S.SEIZED}
STATUS_NOTES = {
    S.REGISTERED: "Record created",
    S.REPORTED_STOLEN: "Theft reported; police case opened",
    S.REPORTED_LOOTED: "Looting of the site reported by the inspectorate",
    S.REPORTED_MISSING: "Found missing at the annual inventory",
    S.DISCOVERED_UNKNOWN: "Found during an inspection; owner unknown",
    S.SEIZED: "Seized at the border",
    S.IN_CUSTODY: "Placed in the custody of the heritage ministry",
    S.RECOVERED: "Recovered by the police",
    S.RESTITUTED: "Restituted to the member state of origin",
    S.RETURNED: "Returned to the owner",
}
SHARING_WEIGHTS = ((Sharing.AGENCY, 35), (Sharing.NETWORK, 25), (Sharing.MEMBERS, 25), (Sharing.PUBLIC, 15))
_AGENCY_CODES = [a["code"] for a in demo_agencies() if a["kind"] != "secretariat"]


def _weighted(rng, pairs):
    total = sum(w for w, _ in pairs)
    x = rng.uniform(0, total)
    for w, item in pairs:
        x -= w
        if x <= 0:
            return item
    return pairs[-1][1]


def _fmt_number(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}" if decimals else str(int(round(value)))


def _gregorian_to_hijri_year(year: int) -> int:
    return max(1, round((year - 622) * 33 / 32))


def _date_text(rng, period: Period) -> str:
    """How the date is written on the record: Hijri or Gregorian, a year, a range or a century."""
    start = max(period.start, period.end - 400) if period.end - period.start > 400 else period.start
    a = rng.randint(start, period.end)
    b = min(period.end, a + rng.choice((0, 10, 25, 50)))
    if period.islamic and a >= 622 and rng.random() < 0.45:
        ha, hb = _gregorian_to_hijri_year(a), _gregorian_to_hijri_year(b)
        suffix = rng.choice((" AH", " هـ", " H"))
        return f"{ha}{suffix}" if ha == hb else f"{ha}-{hb}{suffix}"
    if a < 1:  # there is no year 0: 0 stands for 1 BCE
        return f"{max(1, -a)} BCE" if rng.random() < 0.5 else f"{max(1, -a)} av. J.-C."
    style = rng.random()
    if style < 0.3:
        return f"c. {a}"
    if style < 0.55 and b > a:
        return f"{a}-{b}"
    century = (a - 1) // 100 + 1
    if style < 0.7:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(century % 10 if century not in (11, 12, 13) else 0, "th")
        return f"{century}{suffix} century"
    if style < 0.85:
        roman = _roman(century)
        return f"{roman}e siècle"
    return f"القرن {century}"


def _roman(n: int) -> str:
    out = ""
    for value, letters in ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out, n = out + letters, n - value
    return out


@dataclass
class DemoVocab:
    """The archetypes whose type resolves in the loaded vocabulary, with their concepts looked up once."""

    concepts: dict = field(default_factory=dict)  # (scheme, label) -> Concept or None
    archetypes: list = field(default_factory=list)  # (weight, archetype, type, materials, techniques, periods)

    @classmethod
    def load(cls) -> "DemoVocab":
        self = cls()
        for arch in ARCHETYPES:
            otype = next((c for c in (self.concept(t, vocab.OBJECT_TYPES) for t in arch.types) if c), None)
            if otype is None:
                continue
            materials = [c for c in (self.concept(m, vocab.MATERIALS) for m in arch.materials) if c]
            techniques = [c for c in (self.concept(t, vocab.TECHNIQUES) for t in arch.techniques) if c]
            periods = [(PERIODS[p], self.concept(p, vocab.PERIODS)) for p in arch.periods]
            self.archetypes.append((arch.weight, (arch, otype, materials, techniques, periods)))
        if not self.archetypes:
            raise DemoError("The vocabulary has none of the demo's object types: run `turath setup` (it loads the "
                            "starter vocabulary) first.")
        return self

    def concept(self, label, scheme):
        key = (scheme, label)
        if key not in self.concepts:
            self.concepts[key] = vocab.resolve_concept(label, scheme)
        return self.concepts[key]


AR_UNITS = {"cm": "سم", "mm": "مم", "m": "م", "g": "غ", "kg": "كغ"}
# Photograph captions in the record's own language (front, back, a detail).
CAPTIONS = {"en": ("front", "back", "detail"), "fr": ("face", "revers", "détail"), "ar": ("الوجه", "الظهر", "تفصيل")}

_FR_CONTRACTED = {"de Le ": "du ", "à Le ": "au ", "de Les ": "des ", "à Les ": "aux "}
_FR_CONTRACTIONS = re.compile("|".join(_FR_CONTRACTED))


def _text(rng, triple, values, original):
    """A multilingual value: the original in one language, translations (some machine, some absent)."""
    texts = {lang: t.format(**values[lang]) for lang, t in zip(("en", "fr", "ar"), triple, strict=True)}
    texts["fr"] = _FR_CONTRACTIONS.sub(lambda m: _FR_CONTRACTED[m.group(0)], texts["fr"])
    translations = {}
    for lang in LANGS:
        if lang != original and rng.random() > 0.12:
            translations[lang] = {"text": texts[lang], "machine": rng.random() < 0.3}
    return multilingual.make(texts[original], original, translations)


def _join(parts, original):
    """Several multilingual sentences joined into one text, keeping each language's translations."""
    text = " ".join(p["text"] for p in parts)
    tr = {}
    for lang in LANGS:
        if lang == original:
            continue
        if all(lang in p["tr"] for p in parts):
            tr[lang] = {"text": " ".join(p["tr"][lang]["text"] for p in parts),
                        "machine": any(p["tr"][lang]["machine"] for p in parts)}
    return multilingual.make(text, original, tr)


def demo_row(i: int, seed: int = DEFAULT_SEED, vocab_: DemoVocab | None = None, *, now: datetime | None = None) -> dict:
    """Record number `i` of the synthetic register, as a plain dict (validate_record's shape, plus the
    loader's `owning_agency`, `status_history` and `image_kind`). Depends only on (i, seed)."""
    rng = random.Random(f"{seed}:{i}")
    vocab_ = vocab_ or DemoVocab.load()
    now = now or datetime(2026, 1, 15, tzinfo=UTC)
    arch, otype, materials, techniques, periods = _weighted(rng, vocab_.archetypes)
    period, period_concept = rng.choice(periods)
    path = _weighted(rng, STATUS_PATHS)
    published = NETWORK in path
    path = tuple(step for step in path if step != NETWORK)
    kinds = ("customs", "police") if path[0] in _ENFORCEMENT_START else tuple(
        k for k in arch.owners if k in ("ministry", "museum")) or arch.owners
    cc = rng.choice(list(COUNTRIES))
    agency_code = f"{cc.lower()}-{rng.choice(kinds)}"
    weights = COUNTRIES[cc][3]
    original = rng.choices(("ar", "fr", "en"), weights=weights)[0]
    place_key = rng.choice(arch.places)
    place = PLACES[place_key]
    date_text = _date_text(rng, period)

    measurements, measure_text = [], {}
    for dim, lo, hi, unit, decimals in arch.measures:
        value = _fmt_number(rng.uniform(lo, hi), decimals)
        measurements.append({"dimension": dim, "value": value, "unit": unit})
        measure_text[dim] = f"{value} {unit}"
    # Arabic text writes its units in Arabic («26.8 سم × 20.5 سم»): a Latin «cm» between numbers is reordered
    # by right-to-left display into «cm × 20.5 cm 26.8».
    measure_ar = {dim: f"{text.split()[0]} {AR_UNITS.get(text.split()[1], text.split()[1])}"
                  for dim, text in measure_text.items()}
    values = {
        "en": {"period": period.en, "era": f"the {period.en} period", "place": place[0], "date": date_text,
               **measure_text},
        "fr": {"period": period.fr, "era": f"l'époque {period.fr}", "place": place[1], "date": date_text,
               **{dim: text.replace(".", ",") for dim, text in measure_text.items()}},
        "ar": {"period": period.ar, "era": period.ar, "place": place[2], "date": date_text, **measure_ar},
    }
    title = _text(rng, rng.choice(arch.titles), values, original)
    # A slot is a tuple of alternative (en, fr, ar) triples; a lone triple is a slot of one.
    slots = [(slot,) if isinstance(slot[0], str) else slot for slot in arch.sentences]
    body = [_text(rng, rng.choice(slot), values, original) for slot in slots[:-1] if rng.random() < 0.85 or slot is
            slots[0]]
    description = _join(body, original)
    features = _text(rng, rng.choice(slots[-1]), values, original)

    inscriptions = []
    ah = _gregorian_to_hijri_year(max(parse_date(date_text).earliest or 700, 622))
    for kind, ar, en, script, position in arch.inscriptions:
        if rng.random() < 0.8:
            fmt = {"place_ar": place[2], "place_en": place[0], "ah": ah}
            inscriptions.append({"kind": kind, "script": script, "position": position,
                                 "text": multilingual.make(ar.format(**fmt), "ar", {"en": en.format(**fmt)})})
    inventory_numbers = []
    agency_kind = agency_code.split("-", 1)[1]
    if agency_kind in ("museum", "ministry") or rng.random() < 0.2:
        inv = f"{cc}.{rng.randint(1950, 2020)}.{rng.randint(1, 9999)}"
        inventory_numbers.append(inv)
        inscriptions.append({"kind": "inventory_mark", "script": "Latin", "position": "underside, red ink",
                             "text": multilingual.make(f"Inv. {inv}", "zxx")})

    created = now - timedelta(days=rng.randint(30, 3650), seconds=rng.randint(0, 86399))
    history, at = [], created
    for step in path:
        history.append({"status": str(step), "at": at.isoformat(), "note": STATUS_NOTES[step]})
        at = min(now, at + timedelta(days=rng.randint(2, 400), seconds=rng.randint(0, 86399)))
    sharing = _weighted(rng, [(w, s) for s, w in SHARING_WEIGHTS])
    if published and sharing == Sharing.AGENCY:
        sharing = Sharing.NETWORK  # a published report reaches at least the network (as validate_report does)
    holder = {S.IN_CUSTODY: "Heritage ministry store", S.SEIZED: "Customs evidence store"}.get(path[-1], "")
    return {
        "record_number": f"{cc}-{agency_kind[:3].upper()}-{i:07d}",
        "object_type": otype.pref_en,
        "materials": [rng.choice(materials).pref_en] if materials else [],
        "techniques": sorted({rng.choice(techniques).pref_en for _ in range(rng.randint(1, 2))}) if techniques else [],
        "period": period_concept.pref_en if period_concept else "",
        "language": original,
        "title": title,
        "description": description,
        "distinguishing_features": features,
        "date": date_text,
        "inventory_numbers": inventory_numbers,
        "place_of_origin": place[{"en": 0, "fr": 1, "ar": 2}[original]],
        "place_of_discovery": PLACES[rng.choice(arch.places)][0] if path[0] in _ENFORCEMENT_START else "",
        "origin_country": place[3],
        "current_holder": holder,
        "sharing": str(sharing),
        "status": str(path[0]),
        "measurements": measurements,
        "inscriptions": inscriptions,
        "date_documented": created.date().isoformat(),
        "owning_agency": agency_code,
        "status_history": history,
        "image_kind": arch.image,
    }


CSV_COLUMNS = (
    "record_number", "object_type", "materials", "techniques", "measurements", "inscriptions",
    "distinguishing_features", "title", "description", "language",
    "title_ar", "title_en", "title_fr", "description_ar", "description_en", "description_fr", "machine_translated",
    "date", "period", "inventory_numbers", "place_of_origin", "place_of_discovery", "origin_country",
    "date_documented", "current_holder", "status", "sharing",
)


def csv_row(row: dict) -> dict:
    """A demo row as a line of the import CSV (see register/importer.py for the columns)."""
    out = {"record_number": row["record_number"], "object_type": row["object_type"],
           "materials": "; ".join(row["materials"]), "techniques": "; ".join(row["techniques"]),
           "measurements": "; ".join(f"{m['dimension']}={m['value']} {m['unit']}" for m in row["measurements"]),
           "inscriptions": json.dumps(row["inscriptions"], ensure_ascii=False) if row["inscriptions"] else "",
           "distinguishing_features": row["distinguishing_features"]["text"], "language": row["language"]}
    machine = []
    for fld in ("title", "description"):
        value = row[fld]
        out[fld] = value["text"]
        for lang in LANGS:
            tr = value["tr"].get(lang)
            out[f"{fld}_{lang}"] = tr["text"] if tr else ""
            if tr and tr["machine"]:
                machine.append(f"{fld}_{lang}")
    out["machine_translated"] = "; ".join(machine)
    out.update({k: row[k] for k in ("date", "period", "place_of_origin", "place_of_discovery", "origin_country",
                                     "date_documented", "current_holder", "status", "sharing")})
    out["inventory_numbers"] = "; ".join(row["inventory_numbers"])
    return out


# --------------------------------------------------------------------------------------------------
# Writing rows in bulk
# --------------------------------------------------------------------------------------------------

class _ConceptIndex:
    """Concepts by pref_en label per scheme, with their search terms cached (as search._concept_terms makes them)."""

    def __init__(self):
        self.by_label: dict[tuple[str, str], Concept] = {}
        for c in Concept.objects.select_related("scheme").filter(
                scheme__key__in=[vocab.OBJECT_TYPES, vocab.MATERIALS, vocab.TECHNIQUES, vocab.PERIODS]):
            self.by_label.setdefault((c.scheme.key, c.pref_en), c)
        self._terms: dict[int, list[str]] = {}

    def get(self, scheme, label):
        return self.by_label.get((scheme, label)) if label else None

    def terms(self, concept, seen: set) -> list[str]:
        """Same terms as search._concept_terms(concept, seen): the hierarchy walk is computed once per
        concept, then the concepts an earlier concept of the record already covered are left out."""
        if concept.pk not in self._terms:
            self._terms[concept.pk] = _walk(concept)
        walked = self._terms[concept.pk]
        out = [term for term, cid in walked if cid not in seen]
        seen.update(cid for _, cid in walked)
        return out


def _walk(concept) -> list[tuple[str, int]]:
    """search._concept_terms from a fresh start, each term tagged with the concept it belongs to."""
    out, current = [], None
    for term in _concept_terms(concept, set()):
        if term.startswith("cpt") and term[3:].isdigit():
            current = int(term[3:])
        out.append((term, current))
    return out


def insert_rows(rows: list[dict], agencies: dict, editors: dict, index: _ConceptIndex) -> list[CulturalObject]:
    """Write a batch of demo rows in one transaction: objects, concept links, measurements,
    inscriptions and status history, with search text composed as register/search.py does."""
    objs, links = [], []
    for row in rows:
        parsed = parse_date(row["date"])
        otype = index.get(vocab.OBJECT_TYPES, row["object_type"])
        period = index.get(vocab.PERIODS, row["period"])
        materials = [c for c in (index.get(vocab.MATERIALS, m) for m in row["materials"]) if c]
        techniques = [c for c in (index.get(vocab.TECHNIQUES, t) for t in row["techniques"]) if c]
        history = row["status_history"]
        agency = agencies[row["owning_agency"]]
        values = {
            "record_number": row["record_number"], "title": row["title"], "description": row["description"],
            "distinguishing_features": row["distinguishing_features"], "subject": {},
            "date_text": parsed.text if parsed else "", "date_calendar": parsed.calendar if parsed else "",
            "date_earliest": parsed.earliest if parsed else None, "date_latest": parsed.latest if parsed else None,
            "hijri_earliest": parsed.hijri_earliest if parsed else None,
            "hijri_latest": parsed.hijri_latest if parsed else None,
            "maker": "", "related_written_material": "", "inventory_numbers": row["inventory_numbers"],
            "cross_references": [], "place_of_origin": row["place_of_origin"],
            "place_of_discovery": row["place_of_discovery"], "current_holder": row["current_holder"] or "",
            "origin_country": row["origin_country"],
        }
        search = compose_search_text(values, [i["text"] for i in row["inscriptions"]],
                                     [otype, period, *materials, *techniques], concept_terms=index.terms)
        obj = CulturalObject(
            owning_agency=agency, sharing=row["sharing"], object_type=otype, period=period,
            status=history[-1]["status"], version=len(history), created_by=editors.get(agency.code),
            date_documented=datetime.fromisoformat(row["date_documented"]).date() if row["date_documented"] else None,
            search_text=search, **values)
        objs.append(obj)
        links.append((materials, techniques, row, history))
    with transaction.atomic():
        CulturalObject.objects.bulk_create(objs, batch_size=500)
        mat_through, tech_through = CulturalObject.materials.through, CulturalObject.techniques.through
        mats, techs, measures, inscriptions, changes = [], [], [], [], []
        for obj, (materials, techniques, row, history) in zip(objs, links, strict=True):
            mats += [mat_through(culturalobject_id=obj.pk, concept_id=c.pk) for c in materials]
            techs += [tech_through(culturalobject_id=obj.pk, concept_id=c.pk) for c in techniques]
            measures += [Measurement(object_id=obj.pk, dimension=m["dimension"], value=Decimal(m["value"]),
                                     unit=m["unit"]) for m in row["measurements"]]
            inscriptions += [Inscription(object_id=obj.pk, kind=i["kind"], text=i["text"], script=i["script"],
                                         position=i["position"]) for i in row["inscriptions"]]
            editor = editors.get(obj.owning_agency.code)
            previous = ""
            for step in history:
                changes.append(StatusChange(object_id=obj.pk, from_status=previous, to_status=step["status"],
                                            by=editor, agency_code=obj.owning_agency.code, note=step["note"]))
                changes[-1].demo_at = datetime.fromisoformat(step["at"])
                previous = step["status"]
            obj.created = datetime.fromisoformat(history[0]["at"])
            obj.status_changed = datetime.fromisoformat(history[-1]["at"])
        mat_through.objects.bulk_create(mats, batch_size=1000)
        tech_through.objects.bulk_create(techs, batch_size=1000)
        Measurement.objects.bulk_create(measures, batch_size=1000)
        Inscription.objects.bulk_create(inscriptions, batch_size=1000)
        StatusChange.objects.bulk_create(changes, batch_size=1000)
        # auto_now_add stamps "now" on insert; the demo's history is spread over years, so set it after.
        for change in changes:
            change.at = change.demo_at
        StatusChange.objects.bulk_update(changes, ["at"], batch_size=500)
        CulturalObject.objects.bulk_update(objs, ["created", "status_changed"], batch_size=500)
    return objs


# --------------------------------------------------------------------------------------------------
# Photographs, drawn procedurally (numpy + Pillow), distinct per object and seeded
# --------------------------------------------------------------------------------------------------

_backdrop: list = [None]  # the last backdrop _canvas made: where a drawing left it unchanged is not the object


def _canvas(rng, size, base):
    """A photographer's backdrop: a soft vertical gradient with a little grain."""
    w, h = size
    nrng = np.random.default_rng(rng.getrandbits(32))
    top, bottom = np.array(base[0], np.int32), np.array(base[1], np.int32)
    ramp = (np.arange(h, dtype=np.int32)[:, None] * 256 // h)[:, :, None]  # 0..255 down the picture
    gradient = top + ((bottom - top) * ramp) // 256  # (h, 1, 3)
    grain = nrng.integers(-5, 6, (h, w, 1), dtype=np.int32)
    _backdrop[0] = np.clip(gradient + grain, 0, 255).astype(np.uint8)
    return Image.fromarray(_backdrop[0])


def _coin(rng, metal):
    img = _canvas(rng, (560, 560), ((70, 70, 78), (30, 30, 36)))
    d = ImageDraw.Draw(img)
    cx, cy, r = 280 + rng.randint(-20, 20), 280 + rng.randint(-20, 20), rng.randint(180, 230)
    dark = tuple(max(0, c - 70) for c in metal)
    d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=metal, outline=dark, width=10)
    d.ellipse((cx - r + 28, cy - r + 28, cx + r - 28, cy + r - 28), outline=dark, width=3)
    # Marginal legend: short strokes around the rim, like letters of a Kufic legend.
    for k in range(rng.randint(28, 44)):
        a = 2 * math.pi * k / 44 + rng.uniform(-0.03, 0.03)
        rr = r - 16
        x, y = cx + rr * math.cos(a), cy + rr * math.sin(a)
        length = rng.randint(5, 12)
        d.line((x, y, x - length * math.cos(a), y - length * math.sin(a)), fill=dark, width=3)
    # Field: three lines of legend.
    for line in range(3):
        y = cy - 60 + line * 60
        x = cx - r + 70
        while x < cx + r - 80:
            seg = rng.randint(8, 40)
            d.line((x, y, x + seg, y), fill=dark, width=5)
            if rng.random() < 0.5:
                d.line((x + seg, y, x + seg, y - rng.randint(10, 28)), fill=dark, width=4)
            x += seg + rng.randint(6, 14)
    if rng.random() < 0.3:  # a piercing hole
        d.ellipse((cx - 8, cy - r + 12, cx + 8, cy - r + 28), fill=(30, 30, 36))
    return img


def _tile(rng):
    size = 560
    img = _canvas(rng, (size, size), ((225, 220, 205), (200, 195, 180)))
    d = ImageDraw.Draw(img)
    ground = rng.choice(((238, 230, 205), (250, 245, 230)))
    lustre = rng.choice(((150, 95, 40), (170, 110, 50), (120, 80, 40)))
    blue = rng.choice(((30, 70, 160), (20, 110, 150)))
    m, n = 40, rng.choice((6, 8, 12))
    d.rectangle((m, m, size - m, size - m), fill=ground, outline=blue, width=14)
    c = size / 2
    for ring in range(rng.randint(2, 4)):
        rad = 200 - ring * rng.randint(35, 55)
        pts = []
        for k in range(2 * n):
            a = math.pi * k / n + rng.uniform(-0.02, 0.02)
            rr = rad if k % 2 == 0 else rad * rng.uniform(0.45, 0.7)
            pts.append((c + rr * math.cos(a), c + rr * math.sin(a)))
        d.polygon(pts, outline=lustre if ring % 2 == 0 else blue, width=5)
    for _ in range(rng.randint(15, 40)):
        x, y, s = rng.randint(60, size - 60), rng.randint(60, size - 60), rng.randint(4, 12)
        d.ellipse((x - s, y - s, x + s, y + s), fill=lustre)
    if rng.random() < 0.5:  # a chipped corner
        d.polygon(((m, m), (m + 70, m), (m, m + 50)), fill=(205, 200, 185))
    return img


def _manuscript(rng, kufic):
    w, h = (640, 440) if kufic else (440, 620)
    img = _canvas(rng, (w, h), ((60, 50, 45), (40, 34, 30)))
    d = ImageDraw.Draw(img)
    page = (232, 214, 176) if kufic else (240, 228, 200)
    d.rectangle((30, 30, w - 30, h - 30), fill=page)
    lines = rng.randint(5, 7) if kufic else rng.randint(13, 19)
    top, bottom = 70, h - 70
    step = (bottom - top) / lines
    ink = (60, 40, 25) if kufic else (20, 15, 10)
    for k in range(lines):
        y = top + k * step + step / 2
        x = w - 70  # right to left
        while x > 70:
            seg = rng.randint(10, 60 if kufic else 35)
            d.line((x - seg, y, x, y), fill=ink, width=7 if kufic else 3)
            if rng.random() < 0.35:
                d.line((x - seg, y, x - seg, y - step * 0.5), fill=ink, width=5 if kufic else 2)
            if kufic and rng.random() < 0.25:
                d.ellipse((x - 6, y - 20, x + 2, y - 12), fill=(170, 30, 25))  # red vowel dots
            x -= seg + rng.randint(8, 22)
        if rng.random() < 0.2:
            d.ellipse((60, y - 9, 78, y + 9), fill=(200, 160, 50))  # verse rosette in gold
    if not kufic:
        d.rectangle((60, 50, w - 60, 62), fill=(30, 60, 140))
    return img


def _vessel(rng, glass):
    img = _canvas(rng, (480, 600), ((200, 200, 205), (150, 150, 158)))
    d = ImageDraw.Draw(img)
    colour = rng.choice(((190, 160, 90), (150, 110, 60), (90, 130, 120))) if not glass else \
        rng.choice(((120, 170, 160), (180, 150, 90), (200, 200, 170)))
    cx = 240
    profile = [rng.randint(40, 60), rng.randint(30, 45), rng.randint(100, 160), rng.randint(90, 150),
               rng.randint(50, 80)]
    ys = [100, 190, 330, 450, 540]
    left = [(cx - r, y) for r, y in zip(profile, ys, strict=True)]
    right = [(cx + r, y) for r, y in reversed(list(zip(profile, ys, strict=True)))]
    d.polygon(left + right, fill=colour, outline=tuple(c - 50 for c in colour))
    d.rectangle((cx - profile[1] + 5, 300, cx + profile[1] - 5, 318), fill=tuple(c - 60 for c in colour))
    for k in range(rng.randint(4, 9)):
        y = 340 + k * 12
        d.line((cx - 90, y, cx + 90, y), fill=tuple(min(255, c + 40) for c in colour), width=2)
    return img


def _lamp(rng):
    img = _canvas(rng, (600, 420), ((190, 185, 175), (140, 135, 125)))
    d = ImageDraw.Draw(img)
    clay = rng.choice(((170, 100, 60), (185, 125, 80), (150, 95, 60)))
    cx, cy = 280, 220
    d.ellipse((cx - 150, cy - 100, cx + 150, cy + 100), fill=clay, outline=(100, 60, 35), width=4)
    d.polygon(((cx + 120, cy - 40), (cx + 250, cy - 25), (cx + 250, cy + 25), (cx + 120, cy + 40)), fill=clay)
    d.ellipse((cx + 215, cy - 18, cx + 245, cy + 18), fill=(40, 30, 25))
    d.ellipse((cx - 60, cy - 45, cx + 60, cy + 45), outline=(110, 65, 40), width=5)
    for k in range(rng.randint(6, 12)):
        a = 2 * math.pi * k / 12
        d.ellipse((cx + 90 * math.cos(a) - 6, cy + 65 * math.sin(a) - 6, cx + 90 * math.cos(a) + 6,
                   cy + 65 * math.sin(a) + 6), fill=(120, 70, 45))
    return img


def _stele(rng):
    img = _canvas(rng, (420, 620), ((120, 120, 120), (80, 80, 80)))
    d = ImageDraw.Draw(img)
    stone = rng.choice(((225, 222, 214), (210, 200, 180)))
    d.rounded_rectangle((50, 40, 370, 590), radius=rng.randint(20, 120), fill=stone)
    for k in range(rng.randint(8, 13)):
        y = 110 + k * 36
        x = 330
        while x > 90:
            seg = rng.randint(12, 45)
            d.line((x - seg, y, x, y), fill=(140, 130, 115), width=6)
            if rng.random() < 0.4:
                d.line((x - seg, y, x - seg - 6, y - 22), fill=(140, 130, 115), width=4)
            x -= seg + rng.randint(8, 16)
    return img


def _carpet(rng):
    w, h = 440, 640
    nrng = np.random.default_rng(rng.getrandbits(32))
    field_colour = np.array(rng.choice(((150, 30, 35), (30, 45, 110), (120, 40, 30))), float)
    yy, xx = np.mgrid[0:h, 0:w]
    cx, cy = w / 2, h / 2
    # Lozenge medallion and a repeating lattice, as in a knotted field.
    medallion = (np.abs(xx - cx) / 120 + np.abs(yy - cy) / 180) < 1
    lattice = ((xx + yy) % rng.choice((40, 48, 56)) < 4) | ((xx - yy) % rng.choice((40, 48, 56)) < 4)
    img = np.broadcast_to(field_colour, (h, w, 3)).copy()
    img[lattice] = (220, 190, 120)
    img[medallion] = (230, 210, 160)
    border = (xx < 40) | (xx > w - 40) | (yy < 40) | (yy > h - 40)
    img[border] = (30, 40, 70)
    img += nrng.integers(-10, 11, (h, w, 1))
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))


def _seal(rng):
    img = _canvas(rng, (600, 360), ((205, 200, 190), (170, 165, 155)))
    d = ImageDraw.Draw(img)
    colour = rng.choice(((60, 60, 70), (40, 60, 130)))
    d.rounded_rectangle((80, 80, 330, 280), radius=30, fill=colour)
    # The rolled-out impression beside the seal: figures as vertical strokes.
    d.rectangle((360, 90, 570, 270), fill=(190, 150, 110))
    for _ in range(rng.randint(4, 7)):
        x = rng.randint(380, 550)
        d.line((x, 120, x, 240), fill=(120, 85, 60), width=6)
        d.ellipse((x - 10, 100, x + 10, 122), fill=(120, 85, 60))
    return img


def _astrolabe(rng):
    img = _coin(rng, rng.choice(((185, 150, 80), (170, 130, 70))))
    d = ImageDraw.Draw(img)
    for _ in range(rng.randint(6, 12)):
        a = rng.uniform(0, 2 * math.pi)
        d.line((280, 280, 280 + 170 * math.cos(a), 280 + 170 * math.sin(a)), fill=(90, 60, 25), width=4)
    d.rectangle((262, 40, 298, 80), fill=(160, 120, 60))  # the throne
    return img


def _draw(kind: str, rng: random.Random) -> Image.Image:
    return {
        "coin-gold": lambda: _coin(rng, rng.choice(((212, 175, 55), (200, 165, 60), (225, 190, 80)))),
        "coin-silver": lambda: _coin(rng, rng.choice(((190, 190, 195), (170, 170, 178)))),
        "tile": lambda: _tile(rng),
        "manuscript-kufic": lambda: _manuscript(rng, True),
        "manuscript-naskh": lambda: _manuscript(rng, False),
        "vessel": lambda: _vessel(rng, rng.random() < 0.5),
        "lamp": lambda: _lamp(rng),
        "stele": lambda: _stele(rng),
        "carpet": lambda: _carpet(rng),
        "seal": lambda: _seal(rng),
        "astrolabe": lambda: _astrolabe(rng),
    }[kind]()


_TEXTURES: list[np.ndarray] = []


def _textures() -> list[np.ndarray]:
    """Photographs of real surfaces (CC0, turath/data/demo-textures), grey, 0..1."""
    if not _TEXTURES:
        from turath.data import DEMO_TEXTURES

        _TEXTURES.extend(np.asarray(Image.open(p).convert("L"), np.float32) / 255
                         for p in sorted(DEMO_TEXTURES.glob("*.jpg")))
    return _TEXTURES


def _texture(rng: random.Random, size: tuple[int, int]) -> np.ndarray:
    """A (h, w) field of zero mean, unit spread: a crop of one photographed surface, turned by any
    angle and rescaled, times another: the product of two random crops is unlike any other image's,
    so two demo objects never share texture that a matcher could confuse."""
    w, h = size
    out = np.ones((h, w), np.float32)
    for tex in rng.sample(_textures(), 2):
        side = rng.randint(200, 360)
        x, y = rng.randint(0, tex.shape[1] - side), rng.randint(0, tex.shape[0] - side)
        patch = Image.fromarray((tex[y:y + side, x:x + side] * 255).astype(np.uint8))
        patch = patch.rotate(rng.uniform(0, 360), resample=Image.Resampling.BILINEAR, expand=False)
        inner = int(side * 0.7)  # the rotation's corners are empty: keep the middle
        off = (side - inner) // 2
        patch = patch.crop((off, off, off + inner, off + inner))
        if rng.random() < 0.5:
            patch = patch.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        a = np.asarray(patch.resize((w, h), Image.Resampling.BICUBIC), np.float32)
        out *= a * np.float32(1 / 255) + np.float32(0.5)
    sample = out[::4, ::4]  # the spread of a sixteenth of the pixels is the spread of all of them
    out -= sample.mean()
    out *= np.float32(1 / (sample.std() + 1e-6))
    return out


def draw_image(kind: str, rng: random.Random) -> Image.Image:
    """An object drawn procedurally, then given the texture of a photographed surface (strong on
    the object, faint on the backdrop) and the uneven light of a photograph, so that a phone
    photo of it has detail to be recognised by."""
    _backdrop[0] = None
    drawn = _draw(kind, rng)
    backdrop, _backdrop[0] = _backdrop[0], None
    # Where the object is: what the drawing changed on its backdrop (a carpet has none: all of it).
    mask = np.any(np.asarray(drawn) != backdrop, axis=2) if backdrop is not None else None
    w, h = drawn.size
    tex = _texture(rng, (w, h))
    tex *= np.where(mask, np.float32(0.28), np.float32(0.05)) if mask is not None else np.float32(0.28)
    tex += np.float32(1)
    a = rng.uniform(0, 2 * math.pi)
    across = np.linspace(-0.06, 0.06, w, dtype=np.float32) * np.float32(math.cos(a))
    down = np.linspace(-0.06, 0.06, h, dtype=np.float32) * np.float32(math.sin(a))
    tex *= np.float32(1) + across[None, :] + down[:, None]  # light falling from one side
    out = np.asarray(drawn, np.float32) * tex[:, :, None]
    return Image.fromarray(np.clip(out, 0, 255, out=out).astype(np.uint8))


def image_bytes(kind: str, rng: random.Random) -> bytes:
    out = io.BytesIO()
    draw_image(kind, rng).save(out, "JPEG", quality=82)
    return out.getvalue()


# --------------------------------------------------------------------------------------------------
# The whole demo
# --------------------------------------------------------------------------------------------------

@dataclass
class DemoReport:
    agencies: int = 0
    users: int = 0
    objects: int = 0
    images: int = 0
    status_changes: int = 0
    by_status: dict = field(default_factory=dict)
    by_sharing: dict = field(default_factory=dict)


def load_demo(objects: int = 2000, images_every: int = 4, seed: int = DEFAULT_SEED, *, batch: int = 500,
              progress=None) -> DemoReport:
    """Create the demo agencies and accounts (idempotent) and `objects` synthetic records.

    Every `images_every`-th record gets 1–3 photographs (0 = none). Record numbers continue after
    the records already in the register, so a second run adds records rather than failing.
    """
    report = DemoReport()
    with acting_as(None, via="demo"):
        agencies, users = ensure_people()
        editors = {u.agency.code: u for u in users.values() if u.role == Role.EDITOR}
        demo_vocab = DemoVocab.load()
        index = _ConceptIndex()
        first = CulturalObject.objects.count()
        created: list[tuple[CulturalObject, dict]] = []
        for start in range(first, first + objects, batch):
            rows = [demo_row(i, seed, demo_vocab) for i in range(start, min(start + batch, first + objects))]
            for obj, row in zip(insert_rows(rows, agencies, editors, index), rows, strict=True):
                if images_every and (int(row["record_number"].rsplit("-", 1)[1]) % images_every == 0):
                    created.append((obj, row))
                report.by_status[obj.status] = report.by_status.get(obj.status, 0) + 1
                report.by_sharing[obj.sharing] = report.by_sharing.get(obj.sharing, 0) + 1
                report.status_changes += len(row["status_history"])
            report.objects += len(rows)
            if progress:
                progress(len(rows))
        for obj, row in created:
            rng = random.Random(f"{seed}:{row['record_number']}:images")
            editor = editors[obj.owning_agency.code]
            with acting_as(editor, via="demo"):
                for k in range(rng.choices((1, 2, 3), weights=(55, 30, 15))[0]):
                    data = image_bytes(row["image_kind"], rng)
                    register_images.add_image(editor, obj, data, name=f"{row['record_number']}-{k + 1}.jpg",
                                              caption=CAPTIONS.get(row["language"], CAPTIONS["en"])[k])
                    report.images += 1
        report.agencies, report.users = len(agencies), len(users)
        audit.record("demo.load", object_type="register.culturalobject",
                     object_repr=f"{report.objects} synthetic demo records",
                     after={"objects": report.objects, "images": report.images, "seed": seed, "synthetic": True})
    return report
