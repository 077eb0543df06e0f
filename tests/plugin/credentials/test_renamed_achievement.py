"""After a package renames its badge, what a credential shows keeps the name it was signed with."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from plugin.credentials.models import Achievement
from tests.plugin.credentials.conftest import issue


def _rename(runtime: Any, tenant: Any, name: str) -> None:
    with runtime.sessions() as session, session.begin():
        session.get(Achievement, tenant.achievement_id).name = name


def test_linkedin_link_uses_the_signed_name_after_a_rename(client: Any, runtime: Any, settings: Any,
                                                           tenant: Any) -> None:
    credential = issue(runtime, settings, tenant)
    _rename(runtime, tenant, "Fire Warden")
    page = client.get(urlsplit(credential.document["id"]).path).get_data(as_text=True)
    start = page.index("https://www.linkedin.com/profile/add?")
    url = page[start:page.index('"', start)].replace("&amp;", "&")
    assert parse_qs(urlsplit(url).query)["name"] == ["Fire Safety Basics"]


def test_downloads_use_the_signed_name_after_a_rename(client: Any, runtime: Any, settings: Any, tenant: Any) -> None:
    credential = issue(runtime, settings, tenant)
    _rename(runtime, tenant, "Fire Warden")
    path = urlsplit(credential.document["id"]).path
    svg = client.get(path + ".svg")
    assert "<title>Fire Safety Basics</title>" in svg.get_data(as_text=True)
    for extension in ("svg", "png", "json", "jwt"):
        disposition = client.get(f"{path}.{extension}").headers["Content-Disposition"]
        assert f'filename="fire-safety-basics-{credential.public_id[:8]}.{extension}"' in disposition
