"""Shared fixtures: the starter vocabulary loaded once per test database, agencies of two member
states and a user of every role in each."""

import pytest

from turath.core.context import acting_as

# The browser tests' `browser` fixture (Debian's Chromium through Playwright), for every test module.
pytest_plugins = ["turath.core.tests.browser"]


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing():
    """PBKDF2's deliberate slowness is for production; tests create dozens of users."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def language_of_each_test_is_its_own():
    """A request in French leaves French active in the thread; the next test starts in the default language."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from turath.vocabulary.services import load_starter

    with django_db_blocker.unblock(), acting_as(None, via="system"):
        load_starter()
    yield
    # PostgreSQL's text matches hold pool connections to the test database: closed before it is dropped.
    from turath.register.search import close_text_pool

    close_text_pool()


@pytest.fixture
def agencies(db):
    from turath.core.models import Agency

    def make(code, kind, country, en, fr, ar):
        return Agency.objects.create(code=code, kind=kind, country=country, name_en=en, name_fr=fr, name_ar=ar)

    return {
        "eg_customs": make("eg-customs", "customs", "EG", "Egyptian Customs Authority", "Douanes égyptiennes",
                           "مصلحة الجمارك المصرية"),
        "eg_ministry": make("eg-moa", "ministry", "EG", "Ministry of Tourism and Antiquities",
                            "Ministère du Tourisme et des Antiquités", "وزارة السياحة والآثار"),
        "ma_police": make("ma-police", "police", "MA", "Moroccan National Police", "Sûreté nationale du Maroc",
                          "المديرية العامة للأمن الوطني"),
        "ma_museum": make("ma-museum", "museum", "MA", "National Museum of Archaeology, Rabat",
                          "Musée national d'archéologie, Rabat", "المتحف الوطني للآثار بالرباط"),
        "secretariat": make("secretariat", "secretariat", "SA", "Secretariat", "Secrétariat", "الأمانة العامة"),
    }


@pytest.fixture
def users(agencies):
    from turath.core.models import User

    out = {}
    for key, agency in agencies.items():
        for role in ("viewer", "contributor", "editor", "agency_admin"):
            out[f"{key}_{role}"] = User.objects.create_user(f"{key}_{role}", password="x-Turath-2026", agency=agency,
                                                            role=role)
    out["secretariat_admin"] = User.objects.create_user("sec_admin", password="x-Turath-2026",
                                                        agency=agencies["secretariat"], role="secretariat_admin")
    return out


@pytest.fixture
def actor(users):
    """Run a test body as a given user for the audit log: `with actor(u): ...`."""
    return lambda user: acting_as(user, via="test")
