"""Django settings for Turath.

Configuration comes from the environment so that the same code runs on the embedded
default (SQLite under ./var) and on PostgreSQL in production and in the test suite.
"""

import os
from pathlib import Path
from urllib.parse import unquote, urlparse

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("TURATH_VAR_DIR", BASE_DIR / "var"))

DEBUG = os.environ.get("TURATH_DEBUG", "0") == "1"
# The embedded default generates a per-machine key in var/ so no secret is ever in the repo.
SECRET_KEY = os.environ.get("TURATH_SECRET_KEY", "")
if not SECRET_KEY:
    _key_file = VAR_DIR / "secret_key"
    try:
        SECRET_KEY = _key_file.read_text().strip()
    except FileNotFoundError:
        import secrets

        VAR_DIR.mkdir(parents=True, exist_ok=True)
        SECRET_KEY = secrets.token_urlsafe(50)
        _key_file.write_text(SECRET_KEY)
        _key_file.chmod(0o600)

ALLOWED_HOSTS = [h for h in os.environ.get("TURATH_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "django_tasks",
    "django_tasks_db",
    "turath.core",
    "turath.vocabulary",
    "turath.register",
    "turath.heritage",
    "turath.matching",
    "turath.cases",
    "turath.custody",
    "turath.site",  # above every app: `turath setup`, `serve`, `run`
]

MIDDLEWARE = [
    "turath.core.middleware.SecurityHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "turath.core.middleware.RequestContextMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "turath.core.middleware.FriendlyErrorMiddleware",
]

ROOT_URLCONF = "turath.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "turath" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "turath.core.context_processors.turath",
            ],
        },
    },
]

WSGI_APPLICATION = "turath.wsgi.application"


def _database_from_url(url: str) -> dict:
    parsed = urlparse(url)
    if parsed.scheme in ("postgres", "postgresql"):
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": 60,
            # Search and facet queries AND a full-text bitmap with filter bitmaps; with PostgreSQL's
            # default 4 MB the bitmap turns lossy at a million records and every row of a lossy page
            # is re-checked by re-parsing its search text (19 s instead of 0.23 s for one facet query,
            # benchmarks/README.md). Per connection, so it holds without tuning the server.
            # TCP keepalives: a connection a firewall dropped silently (an idle one of the text-match
            # pool, register/search.py) fails within about two minutes instead of hanging.
            "OPTIONS": {"options": f"-c work_mem={os.environ.get('TURATH_PG_WORK_MEM', '64MB')}",
                        "keepalives": 1, "keepalives_idle": 60, "keepalives_interval": 10, "keepalives_count": 6},
        }
    if parsed.scheme == "sqlite":
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": unquote(parsed.path)}
    raise ValueError(f"Unsupported TURATH_DATABASE_URL scheme: {parsed.scheme!r}")


_db_url = os.environ.get("TURATH_DATABASE_URL", "")
if _db_url:
    DATABASES = {"default": _database_from_url(_db_url)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "turath.sqlite3",
            # WAL lets readers proceed during an import; busy timeout avoids spurious "locked" errors.
            # IMMEDIATE: a request that will write takes the write lock when its transaction starts,
            # instead of failing with "database is locked" when the job worker writes meanwhile.
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE",
                        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "register:object-list"
LOGOUT_REDIRECT_URL = "home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("ar", "العربية"), ("en", "English"), ("fr", "Français")]
LANGUAGES_BIDI = ["ar"]
LOCALE_PATHS = [BASE_DIR / "turath" / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise scans it at start-up
STATICFILES_DIRS = [BASE_DIR / "turath" / "static"]
MEDIA_URL = "media/"
WHITENOISE_USE_FINDERS = True  # serve vendored assets without a collectstatic step in tests
MEDIA_ROOT = Path(os.environ.get("TURATH_MEDIA_ROOT", VAR_DIR / "media"))

# Upload bounds: a phone photo is a few MB; anything far larger is refused before decoding.
TURATH_MAX_UPLOAD_BYTES = int(os.environ.get("TURATH_MAX_UPLOAD_BYTES", 25 * 1024 * 1024))
TURATH_MAX_IMAGE_PIXELS = int(os.environ.get("TURATH_MAX_IMAGE_PIXELS", 120_000_000))
DATA_UPLOAD_MAX_MEMORY_SIZE = TURATH_MAX_UPLOAD_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Absolute links in alert e-mails and Atom feeds.
TURATH_BASE_URL = os.environ.get("TURATH_BASE_URL", "http://127.0.0.1:8000")
EMAIL_BACKEND = os.environ.get("TURATH_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "turath.core.api.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "turath.core.api.Pagination",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["turath.core.api.ObjectJSONParser", "rest_framework.parsers.FormParser",
                               "rest_framework.parsers.MultiPartParser"],
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "turath.core.api.problem_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Turath API",
    "DESCRIPTION": "Shared cultural-property register of the member states (Object ID).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "turath.core.api_schema.add_problem_responses"],
}

# Background jobs (image fingerprinting, re-indexing) queue in the database itself: one less
# service to run at a border post. `turath db_worker` processes them; tests run them inline.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TURATH_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# Every token expires unless created explicitly without expiry (`turath token create --no-expiry`).
TURATH_TOKEN_TTL_DAYS = int(os.environ.get("TURATH_TOKEN_TTL_DAYS", 90))
# Feed links live in a feed reader's settings for a long time; they can only read the Atom feed.
TURATH_FEED_TOKEN_TTL_DAYS = int(os.environ.get("TURATH_FEED_TOKEN_TTL_DAYS", 365))

# Sign-in throttling (turath.core.auth): after this many failures within the window, the account
# name (whether it exists or not) or the client address is locked out for TURATH_LOGIN_LOCKOUT_SECONDS.
# The per-client threshold is higher: several people may sign in from behind one address.
TURATH_LOGIN_MAX_FAILURES_PER_ACCOUNT = int(os.environ.get("TURATH_LOGIN_MAX_FAILURES_PER_ACCOUNT", 5))
TURATH_LOGIN_MAX_FAILURES_PER_CLIENT = int(os.environ.get("TURATH_LOGIN_MAX_FAILURES_PER_CLIENT", 20))
TURATH_LOGIN_FAILURE_WINDOW_SECONDS = int(os.environ.get("TURATH_LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60))
TURATH_LOGIN_LOCKOUT_SECONDS = int(os.environ.get("TURATH_LOGIN_LOCKOUT_SECONDS", 15 * 60))
# Password-reset e-mails per address and per client within the window (more are silently not sent).
TURATH_PASSWORD_RESET_MAX_PER_WINDOW = int(os.environ.get("TURATH_PASSWORD_RESET_MAX_PER_WINDOW", 3))
# Behind a reverse proxy that appends the client's address to X-Forwarded-For, set to 1 (the number
# of trusted proxies): the throttle then counts the address the nearest proxy saw, not REMOTE_ADDR.
TURATH_TRUSTED_PROXIES = int(os.environ.get("TURATH_TRUSTED_PROXIES", 0))
PASSWORD_RESET_TIMEOUT = int(os.environ.get("TURATH_PASSWORD_RESET_TIMEOUT", 60 * 60))
DEFAULT_FROM_EMAIL = os.environ.get("TURATH_DEFAULT_FROM_EMAIL", "turath@localhost")

AUTHENTICATION_BACKENDS = ["turath.core.auth.ThrottledModelBackend"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("TURATH_LOG_LEVEL", "WARNING")},
}

SESSION_COOKIE_HTTPONLY = True
# No script of Turath reads the CSRF cookie (forms carry the token), so script may not read it either.
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Secure cookies: "auto" (default) marks them Secure on every response served over HTTPS
# (core.middleware.SecurityHeadersMiddleware), so plain http://127.0.0.1 keeps working; "1" always; "0" never.
TURATH_SECURE_COOKIES = os.environ.get("TURATH_SECURE_COOKIES", "auto").strip().lower()
if TURATH_SECURE_COOKIES not in ("auto", "1", "0"):
    raise ValueError("TURATH_SECURE_COOKIES is auto, 1 or 0")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = TURATH_SECURE_COOKIES == "1"
# Behind a reverse proxy that terminates HTTPS, the header it sets to say so, e.g. X-Forwarded-Proto
# (only when the proxy always sets or overwrites it: a client could send it too).
if os.environ.get("TURATH_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + os.environ["TURATH_PROXY_SSL_HEADER"].upper().replace("-", "_"), "https")
