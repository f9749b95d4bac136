"""The configured lists and their criteria as seeded by the data migration; the committee amends them as data."""

UNESCO_LIST = "unesco-whl"
ORGANIZATION_LIST = "organization"
UNESCO_ATTRIBUTION = "UNESCO World Heritage Centre"

# (code, group, en, fr, ar) — UNESCO Operational Guidelines §77, abridged.
UNESCO_CRITERIA = [
    ("(i)", "cultural", "to represent a masterpiece of human creative genius",
     "représenter un chef-d'œuvre du génie créateur humain", "أن يمثل تحفة من روائع العبقرية الإبداعية البشرية"),
    ("(ii)", "cultural", "to exhibit an important interchange of human values, over a span of time or within a "
     "cultural area of the world, on developments in architecture or technology, monumental arts, town-planning or "
     "landscape design",
     "témoigner d'un échange d'influences considérable pendant une période donnée ou dans une aire culturelle "
     "déterminée, sur le développement de l'architecture ou de la technologie, des arts monumentaux, de la "
     "planification des villes ou de la création de paysages",
     "أن يجسد تبادلاً هاماً للقيم الإنسانية خلال فترة زمنية أو في منطقة ثقافية من العالم في تطور العمارة أو التقنية "
     "أو الفنون الأثرية أو تخطيط المدن أو تصميم المناظر الطبيعية"),
    ("(iii)", "cultural", "to bear a unique or at least exceptional testimony to a cultural tradition or to a "
     "civilization which is living or which has disappeared",
     "apporter un témoignage unique ou du moins exceptionnel sur une tradition culturelle ou une civilisation "
     "vivante ou disparue",
     "أن يقدم شهادة فريدة أو استثنائية على تقليد ثقافي أو حضارة قائمة أو زائلة"),
    ("(iv)", "cultural", "to be an outstanding example of a type of building, architectural or technological "
     "ensemble or landscape which illustrates (a) significant stage(s) in human history",
     "offrir un exemple éminent d'un type de construction ou d'ensemble architectural ou technologique ou de "
     "paysage illustrant une ou des périodes significative(s) de l'histoire humaine",
     "أن يكون مثالاً بارزاً على نوع من المباني أو المجموعات المعمارية أو التقنية أو المناظر الطبيعية يصور مرحلة "
     "هامة من تاريخ البشرية"),
    ("(v)", "cultural", "to be an outstanding example of a traditional human settlement, land-use, or sea-use which "
     "is representative of a culture (or cultures), or human interaction with the environment",
     "être un exemple éminent d'établissement humain traditionnel, de l'utilisation traditionnelle du territoire ou "
     "de la mer, qui soit représentatif d'une culture (ou de cultures), ou de l'interaction humaine avec "
     "l'environnement",
     "أن يكون مثالاً بارزاً على مستوطنة بشرية تقليدية أو استخدام تقليدي للأرض أو البحر يمثل ثقافة أو تفاعل الإنسان "
     "مع البيئة"),
    ("(vi)", "cultural", "to be directly or tangibly associated with events or living traditions, with ideas, or "
     "with beliefs, with artistic and literary works of outstanding universal significance",
     "être directement ou matériellement associé à des événements ou des traditions vivantes, des idées, des "
     "croyances ou des œuvres artistiques et littéraires ayant une signification universelle exceptionnelle",
     "أن يقترن بشكل مباشر أو ملموس بأحداث أو تقاليد حية أو بأفكار أو معتقدات أو بأعمال فنية وأدبية ذات أهمية عالمية "
     "استثنائية"),
    ("(vii)", "natural", "to contain superlative natural phenomena or areas of exceptional natural beauty and "
     "aesthetic importance",
     "représenter des phénomènes naturels ou des aires d'une beauté naturelle et d'une importance esthétique "
     "exceptionnelles",
     "أن يضم ظواهر طبيعية فائقة أو مناطق ذات جمال طبيعي وأهمية جمالية استثنائية"),
    ("(viii)", "natural", "to be outstanding examples representing major stages of earth's history",
     "être des exemples éminemment représentatifs des grands stades de l'histoire de la terre",
     "أن يكون مثالاً بارزاً يمثل المراحل الكبرى من تاريخ الأرض"),
    ("(ix)", "natural", "to be outstanding examples representing significant on-going ecological and biological "
     "processes in the evolution and development of ecosystems",
     "être des exemples éminemment représentatifs de processus écologiques et biologiques en cours dans "
     "l'évolution et le développement des écosystèmes",
     "أن يكون مثالاً بارزاً يمثل العمليات البيئية والبيولوجية الجارية في تطور النظم البيئية"),
    ("(x)", "natural", "to contain the most important and significant natural habitats for in-situ conservation of "
     "biological diversity",
     "contenir les habitats naturels les plus représentatifs et les plus importants pour la conservation in situ "
     "de la diversité biologique",
     "أن يضم أهم الموائل الطبيعية لصون التنوع البيولوجي في موقعه"),
]

# The organization's list: the same ten criteria for places, plus six for intangible elements.
INTANGIBLE_CRITERIA = [
    ("(I-1)", "intangible", "the element is living heritage transmitted from generation to generation",
     "l'élément est un patrimoine vivant transmis de génération en génération",
     "العنصر تراث حي يتناقل من جيل إلى جيل"),
    ("(I-2)", "intangible", "the element gives its community a sense of identity and continuity",
     "l'élément procure à sa communauté un sentiment d'identité et de continuité",
     "العنصر يمنح جماعته إحساساً بالهوية والاستمرارية"),
    ("(I-3)", "intangible", "inscription contributes to the visibility of intangible heritage and to dialogue",
     "l'inscription contribue à la visibilité du patrimoine immatériel et au dialogue",
     "يسهم الإدراج في إبراز التراث غير المادي وفي الحوار"),
    ("(I-4)", "intangible", "safeguarding measures are elaborated that may protect and promote the element",
     "des mesures de sauvegarde sont élaborées pour protéger et promouvoir l'élément",
     "وضعت تدابير صون تكفل حماية العنصر وتعزيزه"),
    ("(I-5)", "intangible", "the element was nominated with the widest participation and free, prior and "
     "informed consent of its community",
     "l'élément a été proposé avec la participation la plus large et le consentement libre, préalable et éclairé "
     "de sa communauté",
     "رشح العنصر بأوسع مشاركة من جماعته وبموافقتها الحرة والمسبقة والمستنيرة"),
    ("(I-6)", "intangible", "the element is included in an inventory of the intangible heritage of the state",
     "l'élément figure dans un inventaire du patrimoine immatériel de l'État",
     "العنصر مدرج في قائمة حصر التراث غير المادي للدولة"),
]

CRITERIA_SETS = {
    "unesco": {"name": ("UNESCO criteria (Operational Guidelines)", "Critères de l'UNESCO (Orientations)",
                        "معايير اليونسكو (المبادئ التوجيهية)"), "criteria": UNESCO_CRITERIA},
    "organization": {"name": ("Criteria of the organization's heritage list", "Critères de la liste du patrimoine "
                              "de l'organisation", "معايير قائمة التراث للمنظمة"),
                     "criteria": UNESCO_CRITERIA + INTANGIBLE_CRITERIA},
}

LISTS = [
    {"key": ORGANIZATION_LIST, "criteria_set": "organization", "has_preliminary": True, "accepts_nominations": True,
     "attribution": "", "order": 1,
     "name": ("Heritage List of the Member States", "Liste du patrimoine des États membres",
              "قائمة التراث في الدول الأعضاء")},
    {"key": UNESCO_LIST, "criteria_set": "unesco", "has_preliminary": False, "accepts_nominations": False,
     "attribution": UNESCO_ATTRIBUTION, "order": 2,
     "name": ("UNESCO World Heritage List", "Liste du patrimoine mondial de l'UNESCO",
              "قائمة التراث العالمي لليونسكو")},
]


def seed(apps=None):
    """Create the configured criteria sets and lists if missing (never overwrites the committee's amendments)."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    CriteriaSet = apps.get_model("heritage", "CriteriaSet")
    Criterion = apps.get_model("heritage", "Criterion")
    HeritageList = apps.get_model("heritage", "HeritageList")
    sets = {}
    for key, spec in CRITERIA_SETS.items():
        en, fr, ar = spec["name"]
        cset, _ = CriteriaSet.objects.get_or_create(key=key, defaults={"name_en": en, "name_fr": fr, "name_ar": ar})
        sets[key] = cset
        for order, (code, group, c_en, c_fr, c_ar) in enumerate(spec["criteria"], start=1):
            Criterion.objects.get_or_create(criteria_set=cset, code=code, defaults={
                "group": group, "order": order, "text_en": c_en, "text_fr": c_fr, "text_ar": c_ar})
    for spec in LISTS:
        en, fr, ar = spec["name"]
        HeritageList.objects.get_or_create(key=spec["key"], defaults={
            "name_en": en, "name_fr": fr, "name_ar": ar, "criteria_set": sets[spec["criteria_set"]],
            "has_preliminary": spec["has_preliminary"], "accepts_nominations": spec["accepts_nominations"],
            "attribution": spec["attribution"], "order": spec["order"]})
