"""The same import/export through the CLI, the REST API (token auth, OpenAPI) and the upload page."""

from __future__ import annotations

import io
import re

import sqlalchemy as sa
from click.testing import CliRunner

from lti.message import Role
from plugin.api.services import create_token
from plugin.catalog.models import CourseVersion
from plugin.catalog.package import write_zip
from plugin.catalog.services import DEMO_COURSE
from plugin.cli import main
from tests.plugin.catalog.packages import package


def env_for(config) -> dict[str, str]:
    return {"SKILLBITE_DATABASE_URL": config.database_url, "SKILLBITE_INSTANCE_PATH": str(config.instance_path),
            "SKILLBITE_MASTER_KEY": config.master_key}


def test_cli_import_list_export_round_trip(app, config, tmp_path):
    runner = CliRunner()
    env = env_for(config)
    result = runner.invoke(main, ["course", "import", str(DEMO_COURSE)], env=env)
    assert result.exit_code == 0, result.output
    assert "Imported 'Giving useful feedback' (giving-useful-feedback) version 1, 7 nuggets." in result.output
    listing = runner.invoke(main, ["course", "list"], env=env)
    assert "giving-useful-feedback" in listing.output and "v1" in listing.output
    out = tmp_path / "export"
    assert runner.invoke(main, ["course", "export", "giving-useful-feedback", str(out)], env=env).exit_code == 0
    again = runner.invoke(main, ["course", "import", str(out)], env=env)
    assert "Unchanged: 'Giving useful feedback'" in again.output


def test_cli_import_of_broken_package_lists_problems_and_fails(app, config, tmp_path):
    broken = tmp_path / "broken"
    for path, data in package({"a": ""}).files.items():
        (broken / path).parent.mkdir(parents=True, exist_ok=True)
        (broken / path).write_bytes(data)
    result = CliRunner().invoke(main, ["course", "import", str(broken)], env=env_for(config))
    assert result.exit_code == 1
    assert "nuggets/a.md:5: this nugget has no content" in result.output
    assert "Nothing was imported: 1 problem to fix." in result.output


def test_cli_creates_api_tokens(app, config):
    result = CliRunner().invoke(main, ["api", "token", "create", "--name", "pipeline"], env=env_for(config))
    assert result.exit_code == 0 and re.search(r"sb_[\w-]{20,}", result.output)


def _token(runtime) -> str:
    with runtime.sessions() as session, session.begin():
        return create_token(session, "tests")[1]


def test_api_requires_a_token(client):
    response = client.get("/api/v1/courses")
    assert response.status_code == 401 and response.json["hint"].startswith("Send `Authorization: Bearer")
    assert client.get("/api/v1/courses", headers={"Authorization": "Bearer sb_wrong"}).status_code == 401


def test_api_import_list_export(client, runtime):
    auth = {"Authorization": f"Bearer {_token(runtime)}"}
    zipped = write_zip(package().files)
    created = client.post("/api/v1/courses", headers=auth, data={"package": (io.BytesIO(zipped), "tiny.zip")})
    assert created.status_code == 201 and created.json["version"]["number"] == 1
    assert client.post("/api/v1/courses", headers=auth, data=zipped,
                       content_type="application/zip").status_code == 200  # unchanged
    listed = client.get("/api/v1/courses", headers=auth).json
    assert [c["slug"] for c in listed] == ["tiny"]
    exported = client.get("/api/v1/courses/tiny/export", headers=auth)
    assert exported.mimetype == "application/zip"
    again = client.post("/api/v1/courses", headers=auth, data=exported.data, content_type="application/zip")
    assert again.status_code == 200 and again.json["created"] is False  # the export is the same course


def test_api_invalid_package_lists_every_problem(client, runtime):
    auth = {"Authorization": f"Bearer {_token(runtime)}"}
    response = client.post("/api/v1/courses", headers=auth, data=write_zip(package({"a": "", "b": ""}).files),
                           content_type="application/zip")
    assert response.status_code == 422
    assert {(p["file"], p["line"]) for p in response.json["problems"]} == {("nuggets/a.md", 5), ("nuggets/b.md", 5)}


def test_openapi_document_describes_the_endpoints(client):
    doc = client.get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.")
    assert {"/api/v1/courses", "/api/v1/courses/{ref}/export"} <= set(doc["paths"])
    assert "Course" in doc["components"]["schemas"] and "bearer" in doc["components"]["securitySchemes"]


def test_instructor_uploads_through_the_page(client, launch_as, runtime):
    teacher = launch_as(subject="t", role=Role.INSTRUCTOR)
    page = client.get("/learn/manage", query_string=teacher.q())
    csrf = re.search(r'name="csrf" value="(\w+)"', page.text).group(1)
    bad = client.post("/learn/manage", query_string=teacher.q(), content_type="multipart/form-data",
                      data={"csrf": csrf, "package": (io.BytesIO(write_zip(package({"a": ""}).files)), "x.zip")})
    assert bad.status_code == 422 and "Nothing was imported" in bad.text and "nuggets/a.md:5" in bad.text
    good = client.post("/learn/manage", query_string=teacher.q(), content_type="multipart/form-data",
                       data={"csrf": csrf, "package": (io.BytesIO(write_zip(package().files)), "x.zip")})
    assert good.status_code == 200 and "as version 1" in good.text
    with runtime.sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(CourseVersion)) == 1
