"""Local admin accounts: create, list, disable; sign-in with a rate limit; console sessions.

Passwords are hashed with Argon2id (RFC 9106), argon2-cffi's defaults: the RFC's second recommended
("low memory") profile, t=3 iterations, m=64 MiB, p=4 lanes, 16-byte random salt per hash, 32-byte tag.
A hash made with weaker parameters is replaced on the next successful sign-in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from plugin.admin.models import AdminAccount, AdminSession, LoginFailure
from plugin.db import utcnow
from plugin.logs import event

log = logging.getLogger("skillbite.admin")

HASHER = PasswordHasher()  # RFC 9106 low-memory profile; see the module docstring
MIN_PASSWORD = 12
MAX_PASSWORD = 1024
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

# The rate limit: so many failures within the window lock until the oldest of them leaves the window.
# An account locks for the address that failed on it, so a stranger cannot lock its admin out; from
# every address at once only after many more failures (a guesser spread over many addresses). An
# address gets more room than an account on it: one office may share it.
WINDOW = dt.timedelta(minutes=15)
ACCOUNT_FAILURES = 5  # for one account from one address
IP_FAILURES = 20  # from one address, whatever the accounts
ACCOUNT_FAILURES_ANYWHERE = 50  # for one account, whatever the addresses

SESSION_IDLE = dt.timedelta(minutes=30)
SESSION_MAX = dt.timedelta(hours=12)
_TOUCH_EVERY = dt.timedelta(seconds=60)  # at most one write per session per minute for the idle clock


class AdminAccountError(ValueError):
    """An account change that cannot be made, with what to change."""


class SignInRefused(Exception):  # noqa: N818 - a refusal a person reads, not a bug
    def __init__(self, message: str, locked: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.locked = locked


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AdminAccountError(f"The password must have at least {MIN_PASSWORD} characters.")
    if len(password) > MAX_PASSWORD:
        raise AdminAccountError(f"The password must have at most {MAX_PASSWORD} characters.")
    if len(set(password)) < 5:
        raise AdminAccountError("The password repeats too few characters; use a passphrase or a password manager.")


def create_admin(session: Session, email: str, password: str) -> AdminAccount:
    email = normalise_email(email)
    if not EMAIL.fullmatch(email) or len(email) > 320:
        raise AdminAccountError("Give an email address, e.g. it-admin@example.com.")
    check_password_strength(password)
    account = AdminAccount(email=email, password_hash=HASHER.hash(password))
    try:
        with session.begin_nested():
            session.add(account)
    except IntegrityError:
        raise AdminAccountError("There is already an admin with this email (`skillbite admin list`).") from None
    event(log, "admin account created", admin_id=account.id)
    return account


def list_admins(session: Session) -> list[AdminAccount]:
    return list(session.scalars(sa.select(AdminAccount).order_by(AdminAccount.id)))


def find_admin(session: Session, email: str) -> AdminAccount | None:
    return session.scalar(sa.select(AdminAccount).where(AdminAccount.email == normalise_email(email)))


def set_disabled(session: Session, email: str, disabled: bool) -> AdminAccount:
    """Disable (signing out every console of the account at once) or enable again."""
    account = find_admin(session, email)
    if account is None:
        raise AdminAccountError("There is no admin with this email (`skillbite admin list`).")
    account.disabled_at = utcnow() if disabled else None
    if disabled:
        session.execute(sa.delete(AdminSession).where(AdminSession.admin_id == account.id))
    event(log, "admin account disabled" if disabled else "admin account enabled", admin_id=account.id)
    return account


def set_password(session: Session, email: str, password: str) -> AdminAccount:
    account = find_admin(session, email)
    if account is None:
        raise AdminAccountError("There is no admin with this email (`skillbite admin list`).")
    check_password_strength(password)
    account.password_hash = HASHER.hash(password)
    session.execute(sa.delete(AdminSession).where(AdminSession.admin_id == account.id))
    return account


# --- signing in -----------------------------------------------------------------------------------

def account_key(email: str, secret: bytes) -> str:
    return hmac.new(secret, b"skillbite.admin-login:" + normalise_email(email).encode(), hashlib.sha256).hexdigest()


def _minutes_left(session: Session, where: list[Any], limit: int, now: dt.datetime) -> int | None:
    """Minutes until the lock on the failures ``where`` selects lifts, or None when it is not locked."""
    recent = list(session.scalars(
        sa.select(LoginFailure.failed_at).where(*where, LoginFailure.failed_at > now - WINDOW)
        .order_by(LoginFailure.failed_at.desc()).limit(limit)))
    if len(recent) < limit:
        return None
    unlocks = recent[-1] + WINDOW
    return max(1, int((unlocks - now).total_seconds() // 60) + 1)


def sign_in(session: Session, email: str, password: str, *, ip: str, secret: bytes,
            now: dt.datetime | None = None) -> AdminAccount:
    """The account, or :class:`SignInRefused` with the message to show. Failures are recorded (the caller
    commits either way); a locked account or address is refused before the password is looked at."""
    now = now or utcnow()
    key = account_key(email, secret)
    ip = ip[:64]
    on_account, from_address = LoginFailure.account_key == key, LoginFailure.ip == ip
    for where, limit, whose, by in (
            ([on_account, from_address], ACCOUNT_FAILURES, "this account", "account"),
            ([from_address], IP_FAILURES, "your network address", "ip"),
            ([on_account], ACCOUNT_FAILURES_ANYWHERE, "this account", "account anywhere")):
        minutes = _minutes_left(session, where, limit, now)
        if minutes is not None:
            event(log, "admin sign-in locked", logging.WARNING, by=by)
            raise SignInRefused(f"Too many failed sign-ins for {whose}. Sign-in is locked for {minutes} more "
                                f"minute{'s' if minutes != 1 else ''}; try again then.", locked=True)
    account = find_admin(session, email)
    if not _password_matches(account, password):
        session.add(LoginFailure(account_key=key, ip=ip, failed_at=now))
        session.execute(sa.delete(LoginFailure).where(LoginFailure.failed_at < now - dt.timedelta(days=1)))
        event(log, "admin sign-in failed", logging.WARNING)
        raise SignInRefused("The email or the password is not right.")
    assert account is not None
    if account.disabled_at is not None:
        raise SignInRefused("This admin account is disabled. Ask another admin to enable it "
                            "(`skillbite admin enable`).")
    if HASHER.check_needs_rehash(account.password_hash):
        account.password_hash = HASHER.hash(password)
    session.execute(sa.delete(LoginFailure).where(LoginFailure.account_key == key))
    account.last_login_at = now
    event(log, "admin signed in", admin_id=account.id)
    return account


_DUMMY_HASH = HASHER.hash(secrets.token_urlsafe(16))


def _password_matches(account: AdminAccount | None, password: str) -> bool:
    # An unknown email costs one verification too, so timing does not tell which accounts exist.
    try:
        return HASHER.verify(account.password_hash if account else _DUMMY_HASH, password) and account is not None
    except (VerificationError, InvalidHashError):
        return False


# --- console sessions -----------------------------------------------------------------------------

def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, account: AdminAccount, now: dt.datetime | None = None) -> str:
    """A new console session; returns the token for the cookie (shown once, stored only hashed)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    session.add(AdminSession(token_hash=_hash(token), admin_id=account.id, created_at=now, last_seen_at=now,
                             expires_at=now + SESSION_MAX))
    session.execute(sa.delete(AdminSession).where(AdminSession.expires_at < now))
    return token


@dataclass(frozen=True)
class LocalAdmin:
    admin_id: int
    email: str


def load_session(session: Session, token: str, now: dt.datetime | None = None) -> LocalAdmin | None:
    """The admin behind a live session token; None when it ended, idled out, or its account is disabled."""
    now = now or utcnow()
    row = session.get(AdminSession, _hash(token))
    if row is None:
        return None
    if row.expires_at <= now or row.last_seen_at + SESSION_IDLE <= now or row.admin.disabled_at is not None:
        session.delete(row)
        return None
    if now - row.last_seen_at > _TOUCH_EVERY:
        row.last_seen_at = now
    return LocalAdmin(row.admin_id, row.admin.email)


def close_session(session: Session, token: str) -> None:
    session.execute(sa.delete(AdminSession).where(AdminSession.token_hash == _hash(token)))
