"""Settings for the test suite: the real settings, a throwaway key, a non-UTC shop.

The shop's time zone is deliberately not UTC so that every metric test also checks
that day and month boundaries are taken in the shop's time zone.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-not-a-secret")

from .settings import *  # noqa: F403

TIME_ZONE = "America/New_York"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# A read-replica alias mirroring the test database, so the replica router can be tested
# (ecomanalytics/tests/test_db_router.py); no router uses it unless a test installs one.
DATABASES["analytics"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405

# The locmem cache outlives each test's rolled-back database, so a cached metric could
# leak from one test into the next; the API cache tests turn it back on.
METRICS_CACHE_SECONDS = 0

# The metric tests pin the raw path's queries; the roll-up tests switch roll-ups on.
ROLLUPS_ENABLED = False

# Most tests refresh the roll-ups; fitting every model each time would slow them all.
# The fit tests call the fits or turn this on.
FIT_MODELS_ON_REFRESH = False
# Fits run in the test process; one test checks the worker processes' answers.
FORECAST_FIT_PROCESSES = 1

# The test client and the browser tests speak plain HTTP; the HTTPS defaults of
# production are checked by ops/tests/test_deploy_settings.py.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
