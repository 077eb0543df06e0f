"""Registering platforms (by hand, by dynamic registration, by the demo) and looking them up."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lti.storage import DeploymentPolicy, PlatformRegistration
from plugin.db import Base, table_of
from plugin.db_driver import DriverStatement
from plugin.platforms.models import Deployment, Platform


class PlatformError(ValueError):
    """A registration that cannot be saved, with what to change."""


def _url_problem(name: str, value: str) -> str | None:
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return f"{name} must be an absolute http(s) URL, got {value[:200]!r}"
    return None


def column_length(model: type[Base], column: str) -> int:
    """The length of a ``String(n)`` column, so checks follow the model."""
    column_type = table_of(model).c[column].type
    assert isinstance(column_type, sa.String) and column_type.length, f"{model.__name__}.{column} has no length"
    return column_type.length


def _length_problem(name: str, value: str | None, model: type[Base], column: str) -> str | None:
    limit = column_length(model, column)
    if value is not None and len(value) > limit:
        return f"{name} must be at most {limit} characters, got {len(value)}"
    return None


def add_platform(
    session: Session,
    *,
    issuer: str,
    client_id: str,
    auth_login_url: str,
    auth_token_url: str,
    key_set_url: str,
    deployment_ids: Iterable[str] = (),
    name: str | None = None,
    token_audience: str | None = None,
    deployment_policy: DeploymentPolicy = DeploymentPolicy.KNOWN_ONLY,
    registered_by: str = "manual",
    product: str | None = None,
) -> Platform:
    # Every problem at once, so one correction fixes them all.
    problems = [problem for field, value in (("issuer", issuer), ("auth login URL", auth_login_url),
                                             ("auth token URL", auth_token_url), ("JWKS URL", key_set_url))
                if (problem := _url_problem(field, value))]
    if not client_id.strip():
        problems.append("client_id must not be empty")
    deployment_ids = list(dict.fromkeys(deployment_ids))
    # Longer values than the columns hold would fail the INSERT (DataError on PostgreSQL).
    problems += [problem for field, value, column in (
        ("name", name, "name"), ("issuer", issuer, "issuer"), ("client_id", client_id, "client_id"),
        ("auth login URL", auth_login_url, "auth_login_url"), ("auth token URL", auth_token_url, "auth_token_url"),
        ("JWKS URL", key_set_url, "key_set_url"), ("token audience", token_audience, "token_audience"),
        ("product", product, "product"), ("registered_by", registered_by, "registered_by"),
    ) if (problem := _length_problem(field, value, Platform, column))]
    problems += [problem for deployment_id in deployment_ids
                 if (problem := _length_problem("a deployment_id", deployment_id, Deployment, "deployment_id"))]
    if problems:
        raise PlatformError("; ".join(problems) + ".")
    platform = Platform(
        name=name or urlsplit(issuer).netloc[: column_length(Platform, "name")],
        issuer=issuer,
        client_id=client_id,
        auth_login_url=auth_login_url,
        auth_token_url=auth_token_url,
        key_set_url=key_set_url,
        token_audience=token_audience,
        deployment_policy=deployment_policy.value,
        registered_by=registered_by,
        product=product,
    )
    platform.deployments = [Deployment(deployment_id=d) for d in deployment_ids]
    try:
        with session.begin_nested():
            session.add(platform)
    except IntegrityError:
        raise PlatformError(
            f"Issuer {issuer} with client_id {client_id} is already registered: it is listed under "
            "Platforms in the console and by `skillbite platform list`."
        ) from None
    return platform


def add_deployment(session: Session, platform: Platform, deployment_id: str, *, first_seen: bool = False) -> None:
    exists = session.scalar(
        sa.select(Deployment.id).where(Deployment.platform_id == platform.id,
                                       Deployment.deployment_id == deployment_id)
    )
    if exists is None:
        try:
            with session.begin_nested():
                session.add(Deployment(platform_id=platform.id, deployment_id=deployment_id,
                                       recorded_on_first_launch=first_seen))
        except IntegrityError:
            pass  # recorded by a concurrent launch of the same new deployment


def list_platforms(session: Session) -> list[Platform]:
    return list(session.scalars(sa.select(Platform).order_by(Platform.id)))


def as_registration(platform: Platform) -> PlatformRegistration:
    return PlatformRegistration(
        id=platform.id,
        issuer=platform.issuer,
        client_id=platform.client_id,
        auth_login_url=platform.auth_login_url,
        auth_token_url=platform.auth_token_url,
        key_set_url=platform.key_set_url,
        algorithm=platform.algorithm,
        deployment_policy=DeploymentPolicy(platform.deployment_policy),
        audience=platform.token_audience,
        enabled=platform.enabled,
    )


_REGISTRATION_COLUMNS = ("id", "issuer", "client_id", "auth_login_url", "auth_token_url", "key_set_url",
                         "algorithm", "deployment_policy", "token_audience", "enabled")


def _registrations_query(*, by_client_id: bool) -> sa.Select[Any]:
    # Columns, not entities: every login and launch asks, and a registration is read-only here.
    # Run on the driver (plugin.db_driver explains why); LIMIT 2 tells "one" from "several".
    table = table_of(Platform)
    query = sa.select(*(table.c[name] for name in _REGISTRATION_COLUMNS)).where(
        table.c.issuer == sa.bindparam("issuer"), table.c.enabled.is_(True))
    if by_client_id:
        query = query.where(table.c.client_id == sa.bindparam("client_id"))
    return query.limit(2)


_BY_ISSUER_AND_CLIENT = DriverStatement(lambda _: _registrations_query(by_client_id=True))
_BY_ISSUER = DriverStatement(lambda _: _registrations_query(by_client_id=False))
_DEPLOYMENT_KNOWN = DriverStatement(lambda _: sa.select(table_of(Deployment).c.id).where(
    table_of(Deployment).c.platform_id == sa.bindparam("platform_id"),
    table_of(Deployment).c.deployment_id == sa.bindparam("deployment_id")).limit(1))


class DatabaseRegistrations:
    """:class:`lti.storage.RegistrationLookup` over the database."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def find_registration(self, issuer: str, client_id: str | None) -> PlatformRegistration | None:
        if client_id is None:
            found = _BY_ISSUER.rows(self._session, {"issuer": issuer})
        else:
            found = _BY_ISSUER_AND_CLIENT.rows(self._session, {"issuer": issuer, "client_id": client_id})
        if len(found) != 1:
            return None
        row = dict(zip(_REGISTRATION_COLUMNS, found[0], strict=True))
        return PlatformRegistration(
            id=row["id"], issuer=row["issuer"], client_id=row["client_id"], auth_login_url=row["auth_login_url"],
            auth_token_url=row["auth_token_url"], key_set_url=row["key_set_url"], algorithm=row["algorithm"],
            deployment_policy=DeploymentPolicy(row["deployment_policy"]), audience=row["token_audience"],
            enabled=row["enabled"])

    def deployment_known(self, registration: PlatformRegistration, deployment_id: str) -> bool:
        return _DEPLOYMENT_KNOWN.first(self._session, {
            "platform_id": registration.id, "deployment_id": deployment_id}) is not None

    def record_deployment(self, registration: PlatformRegistration, deployment_id: str) -> None:
        platform = self._session.get(Platform, registration.id)
        assert platform is not None
        add_deployment(self._session, platform, deployment_id, first_seen=True)
