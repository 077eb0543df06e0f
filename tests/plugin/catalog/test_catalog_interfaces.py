"""The same import/export through the CLI, the REST API (token auth, OpenAPI) and the upload page."""

from __future__ import annotations

import io
import re
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa
from click.testing import CliRunner

from lti.message import Role
from plugin.api.services import create_token
from plugin.catalog.models import CourseVersion
from plugin.catalog.package import write_zip
from plugin.catalog.services import DEMO_COURSE
from plugin.cli import main
from tests.plugin.catalog.packages import package
from tests.plugin.player.launches import make_platform


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
    assert good.status_code == 303
    shown = client.get(good.headers["Location"])
    assert shown.status_code == 200 and "as version 1" in shown.text
    with runtime.sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(CourseVersion)) == 1


def upload(client, teacher, files: dict[str, bytes]):
    page = client.get("/learn/manage", query_string=teacher.q())
    csrf = re.search(r'name="csrf" value="(\w+)"', page.text).group(1)
    return client.post("/learn/manage", query_string=teacher.q(), content_type="multipart/form-data",
                       data={"csrf": csrf, "package": (io.BytesIO(write_zip(files)), "course.zip")})


def versions(runtime) -> int:
    with runtime.sessions() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(CourseVersion))


def test_a_reload_after_an_upload_shows_what_was_imported_without_importing_again(client, launch_as, runtime):
    teacher = launch_as(subject="t", role=Role.INSTRUCTOR)
    files = package(extra_files={"notes.md": b"draft"}).files  # an unlisted nugget file: a warning
    posted = upload(client, teacher, files)
    assert posted.status_code == 303
    target = urlsplit(posted.headers["Location"])
    assert target.path == "/learn/manage" and parse_qs(target.query)["lt"] == [teacher.token]
    for _ in range(2):  # the page the upload leads to, then a reload of it
        shown = client.get(target.path, query_string=target.query)
        assert shown.status_code == 200
        assert "Imported “Tiny course” as version 1." in shown.text
        assert "notes.md: not listed in course.yaml" in shown.text
    assert versions(runtime) == 1


def test_an_import_report_made_up_or_from_another_organisation_shows_nothing(app, client, launch_as):
    teacher = launch_as(subject="t", role=Role.INSTRUCTOR)
    posted = upload(client, teacher, package().files)
    report = parse_qs(urlsplit(posted.headers["Location"]).query)["imported"][0]
    body, _, signature = report.rpartition(".")
    forged = client.get("/learn/manage", query_string=teacher.q(imported=body + "." + signature[::-1]))
    assert forged.status_code == 200 and "Imported" not in forged.text
    colleague_elsewhere = launch_as(subject="u", role=Role.INSTRUCTOR, platform_id=make_platform(app))
    theirs = client.get("/learn/manage", query_string=colleague_elsewhere.q(imported=report))
    assert theirs.status_code == 200 and "Tiny course" not in theirs.text


def test_a_refused_upload_answers_422_with_the_problems_and_stores_nothing(client, launch_as, runtime):
    teacher = launch_as(subject="t", role=Role.INSTRUCTOR)
    refused = upload(client, teacher, package({"a": ""}).files)
    assert refused.status_code == 422 and "Location" not in refused.headers
    assert "Nothing was imported" in refused.text and "nuggets/a.md:5" in refused.text
    assert versions(runtime) == 0
