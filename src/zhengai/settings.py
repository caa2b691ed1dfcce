"""Settings for 诊改平台. Every value comes from an environment variable with a development default."""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from zhengai.lib.env import env_bool, env_float, env_int, env_list, env_path, env_str

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = env_path("ZHENGAI_DATA_DIR", Path.cwd() / "var")

SECRET_KEY = env_str("ZHENGAI_SECRET_KEY", "dev-only-insecure-key-change-me-in-production")
DEBUG = env_bool("ZHENGAI_DEBUG", False)
ALLOWED_HOSTS = env_list("ZHENGAI_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "zhengai.audit",
    "zhengai.scheduler",
    "zhengai.org",
    "zhengai.accounts",
    "zhengai.datacenter",
    "zhengai.indicators",
    "zhengai.monitoring",
    "zhengai.alerts",
    "zhengai.goals",
    "zhengai.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "zhengai.accounts.middleware.LoginRequiredMiddleware",
]

ROOT_URLCONF = "zhengai.urls"
WSGI_APPLICATION = "zhengai.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "zhengai.accounts.context_processors.navigation",
                "zhengai.alerts.context_processors.inbox",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("ZHENGAI_DATABASE_URL", f"sqlite:///{DATA_DIR / 'zhengai.sqlite3'}"),
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # SQLite needs its folder; create it so a fresh checkout runs without a set-up step.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = env_str("ZHENGAI_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [PACKAGE_DIR / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# The UI's own assets and the vendored toolkit (Tabler, htmx, ECharts) live in src/zhengai/static/.
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
# Assets ship inside the package and are served by the app itself: campus intranets have no CDN.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

TASKS = {
    "default": {
        "BACKEND": env_str("ZHENGAI_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

EMAIL_BACKEND = env_str("ZHENGAI_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# The folder django.core.mail.backends.filebased.EmailBackend writes each email into (one file per message).
EMAIL_FILE_PATH = env_path("ZHENGAI_EMAIL_FILE_PATH", DATA_DIR / "mail")
# Uploaded files (attachments of alerts); served through views that check the user's scope.
MEDIA_ROOT = env_path("ZHENGAI_MEDIA_DIR", DATA_DIR / "media")
ZHENGAI_BASE_URL = env_str("ZHENGAI_BASE_URL", "http://127.0.0.1:8000")  # links in emails and robot messages

# The day of the year that 时点 (census) figures refer to. The national 高职 state-data platform's
# census day is not verified (the undergraduate platform uses 09-30), so it stays configurable.
ZHENGAI_CENSUS_DAY = env_str("ZHENGAI_CENSUS_DAY", "09-30")
# Where the demo college's source-system export files are written.
ZHENGAI_EXPORT_DIR = env_path("ZHENGAI_EXPORT_DIR", DATA_DIR / "exports")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("ZHENGAI_LOG_LEVEL", "WARNING")},
}

# Re-evaluate the indicators a committed import batch can have changed (only its entities and periods).
ZHENGAI_REALTIME_ENABLED = env_bool("ZHENGAI_REALTIME_ENABLED", True)
# Goal chain: days an overdue task stays with its unit before 质控中心 is told too.
ZHENGAI_TASK_ESCALATE_AFTER_DAYS = env_int("ZHENGAI_TASK_ESCALATE_AFTER_DAYS", 7)
# Unit assessment: department heads see the whole ranking (True) or only their own unit's row (False).
ZHENGAI_ASSESSMENT_VISIBLE_TO_UNITS = env_bool("ZHENGAI_ASSESSMENT_VISIBLE_TO_UNITS", True)

# `zhengai serve` runs the task worker and the scheduler in its own process. Turn it off where a
# separate `zhengai worker` runs (several web processes, or a worker on another machine).
ZHENGAI_SERVE_WORKER = env_bool("ZHENGAI_SERVE_WORKER", True)

# A roster (snapshot) batch that would make at least max(MIN, SHARE × stored) of the stored entities
# disappear, or that looks like a wholesale replacement, is held until a person confirms it.
ZHENGAI_ROSTER_GUARD_SHARE = env_float("ZHENGAI_ROSTER_GUARD_SHARE", 0.10)
ZHENGAI_ROSTER_GUARD_MIN = env_int("ZHENGAI_ROSTER_GUARD_MIN", 50)
