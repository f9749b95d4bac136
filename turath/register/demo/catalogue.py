"""What the demo's objects are: periods, places and archetypes with aligned Arabic, English and French
wording, and `demo_row(i, seed)`, one seeded record as a plain dict (and `csv_row`, as the importer's CSV)."""

import json
import random
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from turath.core import multilingual
from turath.core.permissions import Sharing
from turath.vocabulary import services as vocab

from ..dates import parse_date
from ..models import ObjectStatus
from .people import (
    AGENCY_KINDS,
    COUNTRIES,
    demo_agencies,
)

DEFAULT_SEED = 2026
LANGS = ("ar", "en", "fr")
S = ObjectStatus


class DemoError(RuntimeError):
    """The demo cannot be written (e.g. the vocabulary it draws on is missing)."""


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
    """A demo row as a line of the import CSV (see register/importer/columns.py)."""
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
