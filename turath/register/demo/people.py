"""The demo's member states, agencies and people: an account of every role in every agency of two states."""

from django.contrib.auth.hashers import make_password

from turath.core.models import Agency, Role, User

# A fixed password is acceptable ONLY because these are demo accounts on synthetic data.
DEMO_PASSWORD = "turath-demo"


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
