"""The web application's routes and middlewares, assembled from parts the composition root
(``kbot.bootstrap``) has built or builds at start-up and puts on the app (``web.keys``)."""

from __future__ import annotations

from aiohttp import web

from web import keys
from web.api.errors import json_errors
from web.api.images import setup_image_files, setup_image_routes
from web.api.routes import setup_api_routes
from web.client_address import client_addresses
from web.doors import door
from web.links import setup_links
from web.ops import health
from web.ops.routes import setup_metrics
from web.pages.routes import setup_pages
from web.webhooks.routes import setup_webhooks


def assemble(app: web.Application) -> None:
    # outermost: every later part reads the client's address behind trusted proxies
    app.middlewares.append(client_addresses(app[keys.CONFIG].server.trusted_proxies))
    setup_metrics(app)  # GET /metrics and the middleware timing requests
    setup_webhooks(app)
    with door(app, "healthz"):
        app.router.add_get("/healthz", health.healthz)
    app.middlewares.append(json_errors)  # JSON errors on the API door
    with door(app, "api"):
        setup_image_routes(app)
    setup_image_files(app)
    setup_pages(app)  # the admin web page: login link, images, schedules, logs
    setup_links(app)  # GET /r/{code}: the short links of {링크:URL}, public
    setup_api_routes(app)
