"""Console forms answer a successful POST with 303 to a page that shows the result (Post/Redirect/Get):
reloading that page shows the result again and repeats nothing."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa

from plugin.admin.models import AdminAction
from plugin.catalog.models import CourseVersion
from plugin.catalog.package import write_zip
from tests.plugin.catalog.packages import package


def _count(runtime: Any, model: Any) -> int:
    with runtime.sessions() as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(model)))


def _upload(files: Any) -> dict[str, Any]:
    return {"package": (io.BytesIO(write_zip(files)), "course.zip")}


def test_an_import_redirects_to_a_page_that_shows_what_was_imported(local: Any, runtime: Any) -> None:
    with_stray_file = package(extra_files={"nuggets/draft.md": b"# Not yet\n"}).files
    done = local.post("/admin/content", data={"csrf": local.csrf, **_upload(with_stray_file)},
                      content_type="multipart/form-data")
    assert done.status_code == 303
    location = done.headers["Location"]
    assert urlsplit(location).path == "/admin/content"
    shown = local.get(location)
    text = shown.get_data(as_text=True)
    assert shown.status_code == 200 and "Published “Tiny course” as version 1." in text
    assert "Course <code>tiny</code>: 1 module, 2 nuggets" in text
    assert "1 warning:" in text and "nuggets/draft.md: not listed in course.yaml" in text
    assert local.get(location).get_data(as_text=True) == text  # a reload shows it again...
    assert _count(runtime, CourseVersion) == 1  # ...and imports nothing
    with runtime.sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(AdminAction)
                              .where(AdminAction.action == "course.imported")) == 1


def test_an_unchanged_package_redirects_to_say_so(local: Any, runtime: Any) -> None:
    for _ in range(2):
        done = local.post("/admin/content", data={"csrf": local.csrf, **_upload(package().files)},
                          content_type="multipart/form-data")
        assert done.status_code == 303
    text = local.get(done.headers["Location"]).get_data(as_text=True)
    assert "“Tiny course” is unchanged: version 1 stays current." in text
    assert _count(runtime, CourseVersion) == 1


def test_a_changed_import_receipt_shows_no_result(local: Any) -> None:
    done = local.post("/admin/content", data={"csrf": local.csrf, **_upload(package().files)},
                      content_type="multipart/form-data")
    receipt = parse_qs(urlsplit(done.headers["Location"]).query)["imported"][0]
    forged = local.get("/admin/content", query_string={"imported": receipt[:-2] + "xx"})
    assert forged.status_code == 200 and "Published" not in forged.get_data(as_text=True)


def test_an_lms_admins_import_redirect_keeps_their_launch_and_shows_only_to_them(
        tenants: Any, lti_admin: Any, runtime: Any) -> None:
    a, b = tenants
    admin_a, admin_b = lti_admin(a.platform_id), lti_admin(b.platform_id)
    done = admin_a.post("/admin/content", data=_upload(package().files), content_type="multipart/form-data")
    assert done.status_code == 303
    query = parse_qs(urlsplit(done.headers["Location"]).query)
    assert query["lt"] == [admin_a.token]  # no cookie needed inside the LMS iframe
    shown = admin_a.get("/admin/content", query_string={"imported": query["imported"][0]})
    assert "Published “Tiny course” as version 1." in shown.get_data(as_text=True)
    other = admin_b.get("/admin/content", query_string={"imported": query["imported"][0]})
    assert "Tiny course" not in other.get_data(as_text=True)  # tenant A's course stays A's


def test_a_refused_package_still_answers_422_and_stores_nothing(local: Any, runtime: Any) -> None:
    broken = package(manifest="format: skillbite/1\nslug: broken\n").files
    refused = local.post("/admin/content", data={"csrf": local.csrf, **_upload(broken)},
                         content_type="multipart/form-data")
    assert refused.status_code == 422 and "The package was not imported" in refused.get_data(as_text=True)
    assert _count(runtime, CourseVersion) == 0


def test_an_lrs_test_redirects_to_its_answer(local: Any, tenants: Any) -> None:
    a, _ = tenants
    tested = local.post(f"/admin/lrs/{a.lrs_id}/test", data={"csrf": local.csrf})
    assert tested.status_code == 303 and urlsplit(tested.headers["Location"]).path == "/admin/lrs"
    page = local.get(tested.headers["Location"]).get_data(as_text=True)
    assert "Test of LRS A" in page and "Problem:" in page  # nothing listens on its port
