"""What one running Skillbite holds: config, database, secret box, HTTP client. Built once per app."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from lti.http import HttpClient
from plugin.config import Config
from plugin.db import make_engine, make_sessionmaker
from plugin.instance import SecretBox, secret_box


@dataclass
class Runtime:
    config: Config
    engine: sa.Engine
    sessions: sessionmaker[Session]
    box: SecretBox
    http: HttpClient
    key_sets: Any = field(default=None)  # plugin.launch.keysets.KeySetMemory, one per process

    @classmethod
    def build(cls, config: Config) -> Runtime:
        engine = make_engine(config.database_url)
        from plugin.launch.keysets import KeySetMemory

        return cls(config=config, engine=engine, sessions=make_sessionmaker(engine),
                   box=secret_box(config), http=HttpClient(timeout=10.0, policy=config.outbound_policy()),
                   key_sets=KeySetMemory())
