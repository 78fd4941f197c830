# ecomanalytics: the web application served by gunicorn.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=ecomanalytics.settings

WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# collectstatic needs a key but no database; the real key comes from the environment at run time.
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
    && useradd --system --home /app ecomanalytics \
    && chown -R ecomanalytics /app
USER ecomanalytics

EXPOSE 8000
# Requests are logged by the application, once each, with their X-Request-ID
# (ecomanalytics/ops/request_log.py), so gunicorn keeps no access log of its own.
# Liveness: the process answers (no database access; /readyz checks the database).
# python, not curl: the slim image has no curl.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
CMD ["sh", "-c", "python manage.py migrate --noinput && gunicorn ecomanalytics.wsgi:application --bind 0.0.0.0:8000 --workers ${WEB_CONCURRENCY:-2}"]
