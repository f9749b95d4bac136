"""Descriptive words every catalogue uses and no thesaurus of object types, materials and periods lists.

Basic colours, small numbers, the commonest depicted subjects (motifs), painted decoration and the
languages of inscriptions. As concepts of their own (`colour:*`, `number:*`, `motif:*`,
`decoration:*`, `language:*`, read by turath_engine.text.ConceptExtractor) they let «زهور زرقاء»
meet "fleurs bleues", «ثلاثة أرجل» "trois pieds", and «بطيور» "d'oiseaux": two objects of one type and
material (a carpet and its near twin) differ by what they show. Words are listed as written (singular,
plural, Arabic masculine and feminine, the relative adjective); the look-up folds adjectives and feminine
forms onto them (concept_stem), so «هندسية» is «هندسي» and "étoilé" "étoile".
"""

# Arabic colours in masculine and feminine (non-human plurals agree in the feminine singular: «خطوط
# حمراء»); the colour plurals «بيض», «سود» are left out (eggs, lions).
COLOURS: dict[str, tuple[str, ...]] = {
    "colour:red": ("red", "rouge", "أحمر", "حمراء"),
    "colour:blue": ("blue", "bleu", "bleue", "أزرق", "زرقاء"),
    "colour:white": ("white", "blanc", "blanche", "أبيض", "بيضاء"),
    "colour:black": ("black", "noir", "noire", "أسود", "سوداء"),
    "colour:green": ("green", "vert", "verte", "أخضر", "خضراء"),
    "colour:yellow": ("yellow", "jaune", "أصفر", "صفراء"),
}

NUMBERS: dict[str, tuple[str, ...]] = {
    "number:2": ("two", "deux", "اثنان", "اثنين", "اثنتان", "اثنتين"),
    "number:3": ("three", "trois", "ثلاث", "ثلاثة"),
    "number:4": ("four", "quatre", "أربع", "أربعة"),
    "number:5": ("five", "cinq", "خمس", "خمسة"),
    "number:6": ("six", "ست", "ستة"),
    "number:7": ("seven", "sept", "سبع", "سبعة"),
    "number:8": ("eight", "huit", "ثماني", "ثمانية"),
}

# Depicted subjects and kinds of decoration. Left out on purpose: words with a commoner other sense in
# a catalogue («ورقة» folio as well as leaf, «نقش» engraving as well as inscription, «أسود» black as
# well as lions, "chasse"/"châsse" hunt and reliquary).
MOTIFS: dict[str, tuple[str, ...]] = {
    "motif:lion": ("lion", "أسد"),
    "motif:bird": ("bird", "oiseau", "oiseaux", "طائر", "طير", "طيور"),
    "motif:horse": ("horse", "cheval", "chevaux", "حصان", "خيل", "خيول", "فرس"),
    "motif:camel": ("camel", "chameau", "chameaux", "جمل"),
    "motif:fish": ("fish", "poisson", "سمك", "سمكة", "أسماك"),
    "motif:cat": ("cat", "chat", "chatte", "قط", "قطة", "هرة"),
    "motif:antelope": ("antelope", "gazelle", "antilope", "ظبي", "ظباء", "غزال"),
    "motif:dragon": ("dragon", "تنين"),
    "motif:flower": ("flower", "floral", "fleur", "floraux", "زهرة", "زهر", "زهور", "أزهار"),
    "motif:tulip": ("tulip", "tulipe", "توليب", "خزامى"),
    "motif:carnation": ("carnation", "œillet", "قرنفل"),
    "motif:acanthus": ("acanthus", "acanthe", "أقنثة", "أقنثا"),
    "motif:plant": ("vegetal", "végétal", "foliage", "foliate", "feuillage", "rinceau", "نباتي"),
    "motif:vine": ("vine", "vigne", "grapevine", "كرمة", "كروم", "عنب"),
    "motif:palmette": ("palmette", "سعفيات", "سعفية"),
    "motif:star": ("star", "étoile", "étoilé", "stellate", "نجمة", "نجم", "نجوم", "نجمي"),
    "motif:geometric": ("geometric", "géométrique", "هندسي"),
    "decoration:painted": ("painted", "peint", "polychrome", "ملون"),
    "motif:inscription": ("inscription", "inscribed", "inscrit", "writing", "écriture", "كتابة", "كتابات", "كتابي"),
}

# The language of an inscription or a text («نقش لاتيني», "écriture grecque", "Persian verse").
LANGUAGES: dict[str, tuple[str, ...]] = {
    "language:arabic": ("arabic", "arabe", "عربي"),
    "language:latin": ("latin", "latine", "لاتيني"),
    "language:greek": ("greek", "grec", "grecque", "يوناني", "إغريقي"),
    "language:persian": ("persian", "persan", "persane", "فارسي"),
    "language:hebrew": ("hebrew", "hébreu", "hébraïque", "عبري"),
    "language:syriac": ("syriac", "syriaque", "سرياني"),
    "language:aramaic": ("aramaic", "araméen", "آرامي"),
    "language:turkish": ("turkish", "turc", "turque", "تركي"),
}

DESCRIPTIVE_TERMS: dict[str, tuple[str, ...]] = {**COLOURS, **NUMBERS, **MOTIFS, **LANGUAGES}
