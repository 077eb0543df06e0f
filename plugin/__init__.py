"""Skillbite: the LTI 1.3 Advantage micro-learning tool, as a Flask application."""

from __future__ import annotations

import uuid

from flask import Flask, g, request

from plugin.api import views as api_views
from plugin.catalog import views as catalog_views
from plugin.catalog.activities import CatalogActivities
from plugin.config import Config
from plugin.credentials import views as credentials_views
from plugin.grades.feature import advantage_blueprints  # deep linking picker, roster view, AGS scores
from plugin.health import views as health_views
from plugin.keys import views as keys_views
from plugin.keys.services import prepare_instance
from plugin.launch import views as launch_views
from plugin.logs import configure_logging, request_id
from plugin.metrics import views as metrics_views
from plugin.migrate import require_current_schema
from plugin.plan import views as plan_views
from plugin.player import views as player_views
from plugin.registration import views as registration_views
from plugin.review import views as review_views
from plugin.runtime import Runtime
from plugin.skills import views as skills_views
from plugin.web import csrf, errors, headers, navigation, sessions, urls, wording
from plugin.web.context import close_db
from plugin.web.numbers import DatabaseIdConverter
from plugin.xapi import services as xapi_services
from plugin.xapi import views as xapi_views
from plugin.xapi.activities import use_catalog


def create_app(config: Config | None = None) -> Flask:
    """Build the app. The database must already be at the current schema (`skillbite db upgrade`)."""
    config = config or Config.from_env()
    configure_logging(config.log_level, config.log_format)
    runtime = Runtime.build(config)
    try:
        return _build(config, runtime)
    except BaseException:
        runtime.engine.dispose()  # a refused start leaves no open connection behind
        raise


def _build(config: Config, runtime: Runtime) -> Flask:
    require_current_schema(runtime.engine)
    app = Flask(__name__, static_folder="web/static", template_folder="web/templates")
    app.config.update(TESTING=config.testing, MAX_CONTENT_LENGTH=64 * 1024 * 1024)
    # An id no INTEGER column can hold is a 404, not a 500. Set before any rule is added: rules bind it then.
    app.url_map.converters["int"] = DatabaseIdConverter
    app.extensions["skillbite"] = runtime
    with runtime.sessions() as session, session.begin():
        app.secret_key = prepare_instance(session, runtime.box)

    @app.before_request
    def tag_request() -> None:
        rid = request.headers.get("X-Request-Id", "")[:64] or uuid.uuid4().hex
        g.request_id = rid
        request_id.set(rid)

    app.teardown_appcontext(close_db)
    headers.install(app)
    csrf.install(app)
    navigation.install(app)
    urls.install(app)
    wording.install(app)
    sessions.install(app)
    errors.register_error_handlers(app)
    xapi_services.install(config.base_url)  # learning events -> statements in the outbox
    use_catalog(CatalogActivities())  # statements name courses, nuggets and questions as authors do
    for blueprint in (health_views.bp, keys_views.bp, launch_views.bp, registration_views.bp, xapi_views.bp,
                      player_views.bp, catalog_views.bp, api_views.bp,
                      credentials_views.bp,
                      skills_views.bp,
                      plan_views.bp,
                      review_views.bp, *advantage_blueprints()):
        app.register_blueprint(blueprint)
    app.register_blueprint(metrics_views.bp)  # /metrics; counts launches, times requests
    app.register_blueprint(__import__("plugin.admin.views", fromlist=["bp"]).bp)  # /admin: the admin console
    app.register_blueprint(__import__("plugin.registration.console", fromlist=["bp"]).bp)  # /admin/registration-links
    if config.demo:
        from plugin.demo import views as demo_views

        demo_views.enable(app, runtime)
    return app
