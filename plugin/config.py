"""Configuration from ``SKILLBITE_*`` environment variables.

Every variable is listed in :data:`VARIABLES` with its default and meaning; ``docs/configuration.md``
is generated from the same table (``skillbite config docs``), so the two never drift apart.
There are no secrets here: the session secret and the signing keys live in the instance folder and the
database, generated on first start (see :mod:`plugin.instance`).
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from lti.outbound import OutboundPolicy
from plugin.proxy import trusted_networks

VARIABLES: list[tuple[str, str, str]] = [
    ("SKILLBITE_DATABASE_URL", "sqlite:///<instance>/skillbite.db",
     "SQLAlchemy URL. PostgreSQL: postgresql+psycopg://user@host:5432/dbname"),
    ("SKILLBITE_BASE_URL", "http://127.0.0.1:5000",
     "The public URL the LMS and browsers reach, without a trailing slash. Use https in production."),
    ("SKILLBITE_INSTANCE_PATH", "./instance",
     "Folder for the SQLite file, the master key and other generated files. Keep it private."),
    ("SKILLBITE_MASTER_KEY", "(generated into <instance>/master.key)",
     "Fernet key that encrypts private keys at rest. Set it to keep the key out of the instance folder."),
    ("SKILLBITE_DEMO", "0",
     "1 turns on the built-in demo LMS platform (try a launch without an LMS). Loopback base URLs only."),
    ("SKILLBITE_DEMO_ALLOW_REMOTE", "0",
     "1 lets the demo platform run on a non-loopback base URL and answer other machines. Anyone could then "
     "launch as anyone."),
    ("SKILLBITE_LOG_LEVEL", "INFO", "DEBUG, INFO, WARNING or ERROR."),
    ("SKILLBITE_LOG_FORMAT", "json", "json (one object per line) or text."),
    ("SKILLBITE_WORKERS", "2", "Web worker processes for `skillbite run`; each answers one request at a time, "
     "so run about two per CPU core."),
    ("SKILLBITE_JWKS_REFETCH_SECONDS", "10",
     "Least time between two fetches of a platform's JWKS caused by an unknown key id."),
    ("SKILLBITE_LAUNCH_TOKEN_MINUTES", "120",
     "Lifetime of the signed launch token that keeps a learner's session when cookies are blocked."),
    ("SKILLBITE_ROSTER_REFRESH_MINUTES", "15",
     "Launches in an LMS course ask for its roster (NRPS) at most this often; 0 asks on every launch. "
     "Instructors can always refresh from the roster page."),
    ("SKILLBITE_LAUNCH_SESSION_DAYS", "90",
     "Days a launch session is kept after it ends; workers then delete it, except each person's newest per LMS "
     "course (the roster's record that they launched there). At least 31, since the console's dashboard counts "
     "30 days of launches; 0 keeps them forever."),
    ("SKILLBITE_WORKER_BATCH_SIZE", "500", "Outbox messages one `skillbite worker` claims at a time."),
    ("SKILLBITE_WORKER_LEASE_SECONDS", "120",
     "How long a claimed batch is reserved; a crashed worker's batch is claimed again after it."),
    ("SKILLBITE_WORKER_POLL_SECONDS", "1", "How long an idle worker waits before looking for due messages."),
    ("SKILLBITE_OUTBOX_BACKOFF_SECONDS", "2",
     "First retry delay after a failed delivery; doubles per attempt, with jitter."),
    ("SKILLBITE_OUTBOX_BACKOFF_MAX_SECONDS", "600", "Longest delay between two delivery attempts."),
    ("SKILLBITE_OUTBOX_GIVE_UP_HOURS", "72",
     "A message still failing after this long is parked for an admin instead of retried."),
    ("SKILLBITE_LRS_TIMEOUT", "10", "Seconds to wait for an LRS to answer one request."),
    ("SKILLBITE_ALLOW_PRIVATE_NETWORKS", "0",
     "1 lets Skillbite call LMSs and LRSs on private addresses (10/8, 172.16/12, 192.168/16, 100.64/10, "
     "fc00::/7): an intranet Moodle. Loopback, link-local (cloud metadata) and other special addresses are "
     "never called, except loopback when SKILLBITE_BASE_URL is itself loopback (development)."),
    ("SKILLBITE_ADMIN_TOKEN", "(none: token access off)",
     "Bearer token for the operator API (/admin/xapi/..., /admin/outbox/...). Without it the API serves admins "
     "signed in to the console and LMS administrators' launches; their changes need the console's CSRF value "
     "(X-Skillbite-CSRF)."),
    ("SKILLBITE_CREDENTIAL_DID", "web",
     "Issuer id of Open Badges: web (did:web of the base URL, at /.well-known/did.json) or key (did:key "
     "of each signing key: no web hosting needed, but the issuer id changes when a key rotates)."),
    ("SKILLBITE_FORWARDED_ALLOW_IPS", "127.0.0.1,::1",
     "Addresses of the reverse proxy: only from these peers does `skillbite run` take the request's scheme "
     "(http or https) from X-Forwarded-Proto and the client's address from X-Forwarded-For (which the console's "
     "sign-in limits count by); from others the headers are ignored. Comma-separated IPs or "
     "CIDR networks; * trusts any peer: only when nothing but the proxy can reach the web port."),
    ("SKILLBITE_METRICS_TOKEN", "(none: /metrics is open)",
     "Bearer token that Prometheus must send to read /metrics. Set it when the web port is reachable "
     "from outside your monitoring network, to a long random token: one containing REPLACE (the "
     "placeholder in deploy/) is refused."),
    ("SKILLBITE_WORKER_METRICS_PORT", "(none: off)",
     "Port on which each `skillbite worker` process serves its own /metrics (delivery and AGS counters); "
     "needed where workers do not share PROMETHEUS_MULTIPROC_DIR with the web processes."),
]


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


class ConfigError(ValueError):
    """A configuration value that cannot be used, with what to change."""


@dataclass(frozen=True)
class Config:
    base_url: str
    instance_path: Path
    database_url: str
    master_key: str | None = None
    demo: bool = False
    demo_allow_remote: bool = False
    log_level: str = "INFO"
    log_format: str = "json"
    workers: int = 2
    jwks_refetch_seconds: float = 10.0
    launch_token_minutes: int = 120
    roster_refresh_minutes: int = 15
    launch_session_days: int = 90
    worker_batch_size: int = 500
    worker_lease_seconds: float = 120.0
    worker_poll_seconds: float = 1.0
    outbox_backoff_seconds: float = 2.0
    outbox_backoff_max_seconds: float = 600.0
    outbox_give_up_hours: float = 72.0
    lrs_timeout: float = 10.0
    allow_private_networks: bool = False
    admin_token: str | None = None
    credential_did: str = "web"
    forwarded_allow_ips: str = "127.0.0.1,::1"
    metrics_token: str | None = None
    worker_metrics_port: int | None = None
    testing: bool = False
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def secure(self) -> bool:
        """True when browsers reach us over HTTPS, which iframe cookies need (SameSite=None; Secure)."""
        return self.base_url.startswith("https://")

    @property
    def is_loopback(self) -> bool:
        host = urlsplit(self.base_url).hostname or ""
        if host == "localhost":
            return True
        try:
            return ipaddress.ip_address(host).is_loopback  # not a name such as 127.example.com
        except ValueError:
            return False

    def url(self, path: str) -> str:
        return self.base_url + path

    def outbound_policy(self, peer: str = "LMS") -> OutboundPolicy:
        """Which hosts the tool may call (:mod:`lti.outbound`): loopback only while it runs on loopback itself.

        Development, the demo platform and the test suite run every LMS and LRS on this machine, always
        with a loopback SKILLBITE_BASE_URL; a deployment the LMS can reach never needs loopback calls.
        """
        return OutboundPolicy(
            allow_loopback=self.is_loopback,
            allow_private=self.allow_private_networks,
            peer=peer,
            private_setting="SKILLBITE_ALLOW_PRIVATE_NETWORKS",
            loopback_rule="Skillbite calls loopback addresses only when SKILLBITE_BASE_URL is itself loopback "
                          "(development)",
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Config:
        env = os.environ if env is None else env
        instance = Path(env.get("SKILLBITE_INSTANCE_PATH", "./instance")).resolve()
        base_url = env.get("SKILLBITE_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
        if not base_url.startswith(("http://", "https://")):
            raise ConfigError(f"SKILLBITE_BASE_URL must start with http:// or https://, got {base_url!r}")
        values: dict[str, object] = dict(
            base_url=base_url,
            instance_path=instance,
            database_url=env.get("SKILLBITE_DATABASE_URL") or f"sqlite:///{instance / 'skillbite.db'}",
            master_key=env.get("SKILLBITE_MASTER_KEY") or None,
            demo=_flag(env.get("SKILLBITE_DEMO")),
            demo_allow_remote=_flag(env.get("SKILLBITE_DEMO_ALLOW_REMOTE")),
            log_level=env.get("SKILLBITE_LOG_LEVEL", "INFO").upper(),
            log_format=env.get("SKILLBITE_LOG_FORMAT", "json"),
            workers=_int(env, "SKILLBITE_WORKERS", 2),
            jwks_refetch_seconds=float(_int(env, "SKILLBITE_JWKS_REFETCH_SECONDS", 10)),
            launch_token_minutes=_int(env, "SKILLBITE_LAUNCH_TOKEN_MINUTES", 120),
            roster_refresh_minutes=_int(env, "SKILLBITE_ROSTER_REFRESH_MINUTES", 15, minimum=0),
            launch_session_days=_retention_days(env, "SKILLBITE_LAUNCH_SESSION_DAYS", 90),
            worker_batch_size=_int(env, "SKILLBITE_WORKER_BATCH_SIZE", 500),
            worker_lease_seconds=_float(env, "SKILLBITE_WORKER_LEASE_SECONDS", 120.0),
            worker_poll_seconds=_float(env, "SKILLBITE_WORKER_POLL_SECONDS", 1.0),
            outbox_backoff_seconds=_float(env, "SKILLBITE_OUTBOX_BACKOFF_SECONDS", 2.0),
            outbox_backoff_max_seconds=_float(env, "SKILLBITE_OUTBOX_BACKOFF_MAX_SECONDS", 600.0),
            outbox_give_up_hours=_float(env, "SKILLBITE_OUTBOX_GIVE_UP_HOURS", 72.0),
            lrs_timeout=_float(env, "SKILLBITE_LRS_TIMEOUT", 10.0),
            allow_private_networks=_flag(env.get("SKILLBITE_ALLOW_PRIVATE_NETWORKS")),
            admin_token=env.get("SKILLBITE_ADMIN_TOKEN") or None,
            credential_did=_choice(env, "SKILLBITE_CREDENTIAL_DID", ("web", "key")),
            forwarded_allow_ips=_trusted_proxies(env),
            metrics_token=_metrics_token(env),
            worker_metrics_port=_int(env, "SKILLBITE_WORKER_METRICS_PORT", 0) or None,
        )
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]


def _int(env: Mapping[str, str], name: str, default: int, *, minimum: int | None = None) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


DASHBOARD_DAYS = 30  # the console's dashboard counts launches over this many days (plugin.admin.activity)


def _retention_days(env: Mapping[str, str], name: str, default: int) -> int:
    value = _int(env, name, default, minimum=0)
    if 0 < value <= DASHBOARD_DAYS:
        raise ConfigError(f"{name} must be 0 (keep forever) or more than {DASHBOARD_DAYS} days, so that the "
                          f"console's dashboard keeps its {DASHBOARD_DAYS} days of launches; got {value}")
    return value


def variables_markdown() -> str:
    """docs/configuration.md, generated from :data:`VARIABLES` (`skillbite config docs`)."""
    lines = [
        "# Configuration",
        "",
        "Skillbite reads its configuration from environment variables. There is no configuration file and",
        "no secret among them: the session secret and the signing keys are generated on first start and",
        "kept in the database, private keys encrypted with the master key.",
        "",
        "This page is generated by `skillbite config docs`; a test checks that it matches the code.",
        "",
        "| Variable | Default | Meaning |",
        "| --- | --- | --- |",
    ]
    lines += [f"| `{name}` | `{default}` | {meaning} |" for name, default, meaning in VARIABLES]
    return "\n".join(lines) + "\n"


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"{name} must be greater than 0, got {raw!r}")
    return value


def _metrics_token(env: Mapping[str, str]) -> str | None:
    token = env.get("SKILLBITE_METRICS_TOKEN") or None
    # deploy/ ships REPLACE-... placeholders; left in, anyone who reads the repository could read /metrics.
    if token is not None and "REPLACE" in token.upper():
        raise ConfigError("SKILLBITE_METRICS_TOKEN is still the placeholder: set it to a long random token "
                          "(e.g. `openssl rand -hex 32`), the same in Prometheus' scrape configuration")
    return token


def _trusted_proxies(env: Mapping[str, str]) -> str:
    raw = env.get("SKILLBITE_FORWARDED_ALLOW_IPS") or "127.0.0.1,::1"
    try:
        trusted_networks(raw)  # refused at start, not in every web process as it builds the app
    except ValueError as exc:
        raise ConfigError(f"SKILLBITE_FORWARDED_ALLOW_IPS: {exc}") from None
    return raw


def _choice(env: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> str:
    raw = (env.get(name) or allowed[0]).strip().lower()
    if raw not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}, got {raw!r}")
    return raw
