"""`skillbite admin ...` and the account rules: strong hashing, no password in sight, disabling."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from click.testing import CliRunner

from plugin.admin import accounts
from plugin.admin.models import AdminAccount
from plugin.cli import main

from .conftest import PASSWORD


@pytest.fixture
def cli(config: Any, runtime: Any, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    for name, value in {"SKILLBITE_DATABASE_URL": config.database_url, "SKILLBITE_MASTER_KEY": config.master_key,
                        "SKILLBITE_INSTANCE_PATH": str(config.instance_path),
                        "SKILLBITE_BASE_URL": config.base_url}.items():
        monkeypatch.setenv(name, value)
    return CliRunner()


def _hash_of(runtime: Any, email: str) -> str:
    with runtime.sessions() as session:
        return session.scalar(sa.select(AdminAccount.password_hash).where(AdminAccount.email == email))


def test_create_reads_the_password_from_stdin_and_stores_only_an_argon2id_hash(cli: CliRunner, runtime: Any) -> None:
    result = cli.invoke(main, ["admin", "create", "--email", "Ops@Example.com", "--password-stdin"],
                        input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "Created admin #1" in result.output and "/admin/login" in result.output
    assert PASSWORD not in result.output
    stored = _hash_of(runtime, "ops@example.com")
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_create_prompts_twice_and_refuses_a_mismatch(cli: CliRunner, runtime: Any) -> None:
    mismatch = cli.invoke(main, ["admin", "create", "--email", "a@example.com"],
                          input=f"{PASSWORD}\nsomething else entirely\n{PASSWORD}\n{PASSWORD}\n")
    assert "do not match" in mismatch.output
    assert mismatch.exit_code == 0 and _hash_of(runtime, "a@example.com").startswith("$argon2id$")


def test_weak_password_and_duplicate_email_are_refused_with_a_reason(cli: CliRunner, runtime: Any) -> None:
    weak = cli.invoke(main, ["admin", "create", "--email", "a@example.com", "--password-stdin"], input="short\n")
    assert weak.exit_code == 1 and "at least 12 characters" in weak.output
    assert _hash_of(runtime, "a@example.com") is None
    cli.invoke(main, ["admin", "create", "--email", "a@example.com", "--password-stdin"], input=PASSWORD + "\n")
    again = cli.invoke(main, ["admin", "create", "--email", "A@example.com", "--password-stdin"],
                       input=PASSWORD + "\n")
    assert again.exit_code == 1 and "already an admin" in again.output


def test_list_disable_and_enable(cli: CliRunner) -> None:
    assert "No local admin yet" in cli.invoke(main, ["admin", "list"]).output
    cli.invoke(main, ["admin", "create", "--email", "a@example.com", "--password-stdin"], input=PASSWORD + "\n")
    assert "a@example.com  [active; never signed in]" in cli.invoke(main, ["admin", "list"]).output
    assert cli.invoke(main, ["admin", "disable", "--email", "a@example.com"]).exit_code == 0
    assert "[disabled" in cli.invoke(main, ["admin", "list"]).output
    assert cli.invoke(main, ["admin", "enable", "--email", "a@example.com"]).exit_code == 0
    assert "[active" in cli.invoke(main, ["admin", "list"]).output
    unknown = cli.invoke(main, ["admin", "disable", "--email", "nobody@example.com"])
    assert unknown.exit_code == 1 and "no admin with this email" in unknown.output


def test_production_hasher_is_rfc9106_low_memory_argon2id() -> None:
    hasher = PasswordHasher()  # what accounts.HASHER is outside these tests
    assert (hasher.time_cost, hasher.memory_cost, hasher.parallelism) == (3, 65536, 4)
    assert hasher.verify(hasher.hash(PASSWORD), PASSWORD)


def test_a_weaker_hash_is_upgraded_on_sign_in(runtime: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    with runtime.sessions() as session, session.begin():
        accounts.create_admin(session, "a@example.com", PASSWORD)
    stronger = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)
    monkeypatch.setattr(accounts, "HASHER", stronger)
    with runtime.sessions() as session, session.begin():
        accounts.sign_in(session, "a@example.com", PASSWORD, ip="10.0.0.1", secret=b"k")
    assert "m=2048,t=2,p=1" in _hash_of(runtime, "a@example.com")
