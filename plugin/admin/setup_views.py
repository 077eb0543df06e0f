"""Console pages to set Skillbite up: platforms and their deployments, tool keys, LRS destinations."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, redirect, request
from werkzeug.wrappers import Response

from lti.storage import DeploymentPolicy
from plugin.admin import audit, lrs_form, operations, platform_form
from plugin.admin.access import console_page, console_url, local_only, scoped_platform, viewer
from plugin.admin.blueprint import bp, page
from plugin.keys.models import ToolKey
from plugin.keys.services import ToolKeyError, active_keys, retire_key, rotate_key
from plugin.platforms.services import PlatformError, add_platform, list_platforms
from plugin.web import receipts
from plugin.web.context import db, runtime
from plugin.web.numbers import whole_number
from plugin.xapi import services as xapi
from plugin.xapi.cli import check_destination
from plugin.xapi.delivery import LrsClient
from plugin.xapi.models import XAPI_VERSIONS

POLICIES = {DeploymentPolicy.KNOWN_ONLY.value: "Only the deployment ids listed here",
            DeploymentPolicy.RECORD_FIRST_SEEN.value: "Record new deployment ids on their first launch (Canvas)"}


def _done(endpoint: str, done: str, **values: object) -> Response:
    return redirect(console_url(endpoint, done=done, **values), code=303)


def _policy(raw: str | None) -> DeploymentPolicy:
    try:
        return DeploymentPolicy(raw or DeploymentPolicy.KNOWN_ONLY.value)
    except ValueError:
        raise PlatformError("Choose how unknown deployment ids are treated.") from None


def _tool_urls() -> list[tuple[str, str]]:
    url = runtime().config.url
    return [("Tool URL / Target link URI / Redirection URI", url("/lti/launch")),
            ("Initiate login URL / OpenID Connect initiation URL", url("/lti/login")),
            ("Public keyset URL / JWK URL", url("/lti/jwks")),
            ("Dynamic registration URL (a one-time link per LMS, from Registration links)",
             url("/lti/register?invite=…")),
            ("Canvas JSON configuration URL", url("/lti/canvas.json"))]


# --- platforms ------------------------------------------------------------------------------------

def _platforms_page(status: int = 200, errors: dict[str, str] | None = None, form: dict[str, str] | None = None
                    ) -> tuple[str, int]:
    scope = viewer().platform_id
    rows = [p for p in list_platforms(db()) if scope is None or p.id == scope]
    return page("platforms.html", status, platforms=rows, urls=_tool_urls(), policies=POLICIES,
                fields=platform_form.BY_NAME, errors=errors or {}, form=form or {},
                base_url=runtime().config.base_url)


@bp.get("/platforms")
@console_page
def platforms() -> tuple[str, int]:
    return _platforms_page()


@bp.post("/platforms")
@console_page
@local_only
def platform_add() -> Response | tuple[str, int]:
    f = request.form
    errors = platform_form.problems(db(), f, runtime().config.outbound_policy())
    try:
        policy = _policy(f.get("policy"))
    except PlatformError as exc:
        errors["policy"] = str(exc)
    if errors:  # WCAG 3.3.1: each problem next to its field, and a summary linking to them
        return _platforms_page(422, errors, dict(f))
    deployments = platform_form.deployment_ids(f)
    try:
        added = add_platform(db(), issuer=f.get("issuer", "").strip(), client_id=f.get("client_id", "").strip(),
                             auth_login_url=f.get("auth_login_url", "").strip(),
                             auth_token_url=f.get("auth_token_url", "").strip(),
                             key_set_url=f.get("key_set_url", "").strip(), deployment_ids=deployments,
                             name=f.get("name", "").strip() or None, deployment_policy=policy)
        db().flush()
    except PlatformError as exc:  # registered by someone else meanwhile: a problem of the whole form
        return _platforms_page(422, {"": str(exc)}, dict(f))
    platform_id = added.id
    audit.record(db(), audit.console_actor(), "platform.added", audit.platform_label(added), platform_id=platform_id)
    db().commit()
    return _done("admin.platform", "platform-added", platform_id=platform_id)


def _platform_page(platform_id: int, status: int = 200, error: str | None = None,
                   errors: dict[str, str] | None = None, form: dict[str, str] | None = None) -> tuple[str, int]:
    """The platform's page; ``error`` is a deployment form's problem, ``errors`` and ``form`` the edit form's."""
    platform = scoped_platform(platform_id)
    return page("platform.html", status, platform=platform, urls=_tool_urls(), policies=POLICIES, error=error,
                fields=platform_form.EDIT_FIELDS, errors=errors or {},
                form=form if form is not None else platform_form.edit_values(platform),
                base_url=runtime().config.base_url)


@bp.get("/platforms/<int:platform_id>")
@console_page
def platform(platform_id: int) -> tuple[str, int]:
    return _platform_page(platform_id)


@bp.post("/platforms/<int:platform_id>")
@console_page
def platform_edit(platform_id: int) -> Response | tuple[str, int]:
    target = scoped_platform(platform_id)
    f = request.form
    errors = platform_form.edit_problems(f, runtime().config.outbound_policy(), target)
    try:
        policy = _policy(f.get("policy"))
    except PlatformError as exc:
        errors["policy"] = str(exc)
    if errors:  # WCAG 3.3.1, as on the add form: each problem next to its field, a summary linking to them
        return _platform_page(platform_id, 422, errors=errors, form=dict(f))
    try:
        operations.edit_platform(target, operations.PlatformChanges(
            name=f.get("name", ""), auth_login_url=f.get("auth_login_url", ""),
            auth_token_url=f.get("auth_token_url", ""), key_set_url=f.get("key_set_url", ""),
            deployment_policy=policy))
    except PlatformError as exc:  # the service's own rules, should they ever ask more than the form's
        return _platform_page(platform_id, 422, errors={"": str(exc)}, form=dict(f))
    audit.record(db(), audit.console_actor(), "platform.edited", audit.platform_label(target), platform_id=target.id)
    db().commit()
    return _done("admin.platform", "platform-saved", platform_id=platform_id)


@bp.post("/platforms/<int:platform_id>/enabled")
@console_page
@local_only
def platform_enabled(platform_id: int) -> Response:
    target = scoped_platform(platform_id)
    wanted = request.form.get("enabled")
    if wanted not in {"0", "1"}:
        abort(400, description="Say whether to enable (1) or disable (0) the platform.")
    target.enabled = wanted == "1"
    audit.record(db(), audit.console_actor(), "platform.enabled" if target.enabled else "platform.disabled",
                 audit.platform_label(target), platform_id=target.id)
    db().commit()
    return _done("admin.platform", "platform-enabled" if wanted == "1" else "platform-disabled",
                 platform_id=platform_id)


@bp.post("/platforms/<int:platform_id>/deployments")
@console_page
def deployment_add(platform_id: int) -> Response | tuple[str, int]:
    target = scoped_platform(platform_id)
    try:
        added = operations.add_deployment_id(db(), target, request.form.get("deployment_id", ""))
    except PlatformError as exc:
        return _platform_page(platform_id, 400, str(exc))
    audit.record(db(), audit.console_actor(), "deployment.added", f"{added} of {audit.platform_label(target)}",
                 platform_id=target.id)
    db().commit()
    return _done("admin.platform", "deployment-added", platform_id=platform_id)


@bp.post("/platforms/<int:platform_id>/deployments/<int:deployment_pk>/remove")
@console_page
def deployment_remove(platform_id: int, deployment_pk: int) -> Response | tuple[str, int]:
    target = scoped_platform(platform_id)
    try:
        removed = operations.remove_deployment(db(), target, deployment_pk)
    except PlatformError as exc:
        return _platform_page(platform_id, 404, str(exc))
    audit.record(db(), audit.console_actor(), "deployment.removed", f"{removed} of {audit.platform_label(target)}",
                 platform_id=target.id)
    db().commit()
    return _done("admin.platform", "deployment-removed", platform_id=platform_id)


# --- tool keys ------------------------------------------------------------------------------------

def _keys_page(status: int = 200, error: str | None = None) -> tuple[str, int]:
    keys = db().scalars(sa.select(ToolKey).order_by(ToolKey.id)).all()
    active = active_keys(db())
    return page("keys.html", status, keys=keys, signing_kid=active[-1].kid if active else None,
                jwks_url=runtime().config.url("/lti/jwks"), error=error)


@bp.get("/keys")
@console_page
def keys() -> tuple[str, int]:
    return _keys_page()


@bp.post("/keys/rotate")
@console_page
@local_only
def key_rotate() -> Response:
    added = rotate_key(db(), runtime().box)
    audit.record(db(), audit.console_actor(), "key.rotated", added.kid)
    db().commit()
    return _done("admin.keys", "key-rotated")


@bp.post("/keys/<kid>/retire")
@console_page
@local_only
def key_retire(kid: str) -> Response | tuple[str, int]:
    try:
        retire_key(db(), kid)
    except ToolKeyError as exc:
        return _keys_page(400, str(exc).replace("`skillbite keys rotate`", "Rotate"))
    audit.record(db(), audit.console_actor(), "key.retired", kid)
    db().commit()
    return _done("admin.keys", "key-retired")


# --- LRS destinations -----------------------------------------------------------------------------

def _lrs_page(status: int = 200, form: dict[str, str] | None = None,
              checks: tuple[int, list[tuple[bool, str]]] | None = None,
              errors: dict[str, str] | None = None) -> tuple[str, int]:
    """``errors``: field name → problem, said beside the field; under "" a problem of the whole form."""
    scope = viewer().platform_id
    platforms_ = [p for p in list_platforms(db()) if scope is None or p.id == scope]
    return page("lrs.html", status, destinations=operations.destinations(db(), scope), platforms=platforms_,
                has_default=operations.default_destination_exists(db()), versions=XAPI_VERSIONS,
                form={"batch_size": lrs_form.DEFAULT_BATCH_SIZE, **(form or {})}, checks=checks, errors=errors or {},
                fields=lrs_form)


@bp.get("/lrs")
@console_page
def lrs() -> tuple[str, int]:
    tested = receipts.unseal("lrs-test", request.args.get("tested"))  # shown on its row, if the viewer sees it
    return _lrs_page(checks=(tested["destination"], tested["checks"]) if tested else None)


@bp.post("/lrs")
@console_page
def lrs_add() -> Response | tuple[str, int]:
    f = request.form
    scope = viewer().platform_id
    typed = {k: v for k, v in f.items() if k != "password"}  # the secret is never echoed back
    # An endpoint the policy refuses would park every statement: said now, beside the field, with the rest.
    errors = lrs_form.problems(f, runtime().config.outbound_policy("LRS"))
    if errors:  # WCAG 3.3.1, as on the platform forms
        return _lrs_page(422, form=typed, errors=errors)
    # An LMS administrator adds for their own platform only.
    platform_id = scope if scope is not None else whole_number(f.get("platform_id", "").strip())
    try:
        added = xapi.add_destination(
            db(), runtime().box, name=f.get("name", "").strip() or lrs_form.default_name(f),
            endpoint=f.get("endpoint", "").strip(), username=f.get("username", "").strip(),
            password=f.get("password", ""), xapi_version=f.get("xapi_version", "1.0.3"),
            batch_size=lrs_form.batch_size(f) or 0, platform_id=platform_id,
            deployment_id=f.get("deployment_id", "").strip() or None)
    except xapi.XapiError as exc:  # what only the service knows: the scope is taken, the platform is gone
        return _lrs_page(422, form=typed, errors={"": str(exc)})
    audit.record(db(), audit.console_actor(), "lrs.added", f"{added.name} ({added.endpoint})",
                 platform_id=platform_id)
    db().commit()
    return _done("admin.lrs", "lrs-added")


@bp.post("/lrs/<int:destination_id>/test")
@console_page
def lrs_test(destination_id: int) -> Response:
    row = operations.scoped_destination(db(), viewer().platform_id, destination_id)
    if row is None:
        abort(404, description=f"There is no LRS {destination_id} in your console.")
    config = runtime().config
    client = LrsClient(xapi.open_destination(runtime().box, row), config.lrs_timeout, config.outbound_policy("LRS"))
    try:
        checks = check_destination(client)
    finally:
        client.http.close()
    # Post/Redirect/Get: reloading the answer shows it again rather than sending the test requests again.
    receipt = receipts.seal("lrs-test", {"destination": destination_id, "checks": checks})
    return redirect(console_url("admin.lrs", tested=receipt), code=303)


@bp.post("/lrs/<int:destination_id>/remove")
@console_page
def lrs_remove(destination_id: int) -> Response:
    row = operations.scoped_destination(db(), viewer().platform_id, destination_id)
    if row is None:
        abort(404, description=f"There is no LRS {destination_id} in your console.")
    audit.record(db(), audit.console_actor(), "lrs.removed", f"{row.name} ({row.endpoint})",
                 platform_id=row.platform_id)
    xapi.remove_destination(db(), row.id)
    db().commit()
    return _done("admin.lrs", "lrs-removed")
