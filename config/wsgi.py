import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

from warehouse.common.middleware import utf8_requests  # noqa: E402 - after setup

# Django cannot build a request declaring a charset that is no text encoding.
application = utf8_requests(application)
