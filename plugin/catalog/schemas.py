"""marshmallow schemas: the package format as authored (input), and courses as the API shows them (output)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from plugin.xapi.statements import is_language_tag

FORMAT = "skillbite/1"
KEY = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$",
                      error="use 1–100 letters, digits, '-' or '_', starting with a letter or digit")
SLUG = validate.Regexp(r"^[a-z0-9][a-z0-9-]{0,99}$",
                       error="use lowercase letters, digits and '-', e.g. giving-feedback")


def _language(tag: str) -> None:
    """The course's language becomes the statements' context.language (xAPI 1.0.3 §2.4.6): a BCP 47 tag."""
    if is_language_tag(tag):
        return
    mended = tag.strip().replace("_", "-")
    hint = f": write {mended}" if is_language_tag(mended) else ", e.g. en, en-US or pt-BR"
    raise ValidationError(f"use a BCP 47 language tag{hint}")


# --- input: the package format (docs/content-format.md) ----------------------------------------------


class SkillSchema(Schema):
    """Reserved for the skills feature: a skill a course or nugget develops."""

    id = fields.String(required=True, validate=KEY)
    name = fields.String(required=True)
    description = fields.String(load_default="")
    framework = fields.String(load_default="")  # e.g. an ESCO or O*NET URI


class AchievementSchema(Schema):
    """Reserved for the credentials feature: an Open Badges 3.0 achievement the course awards."""

    id = fields.String(required=True, validate=KEY)
    name = fields.String(required=True)
    description = fields.String(load_default="")
    criteria = fields.String(load_default="")
    image = fields.String(load_default="")


class CompletionSchema(Schema):
    rule = fields.String(load_default="all_nuggets",
                         validate=validate.OneOf(["all_nuggets", "all_passed", "percent"],
                                                 error="use all_nuggets, all_passed or percent"))
    percent = fields.Integer(load_default=100, validate=validate.Range(min=1, max=100))


class ModuleSchema(Schema):
    id = fields.String(required=True, validate=KEY)
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    requires = fields.List(fields.String(), load_default=list)
    nuggets = fields.List(fields.String(), required=True,
                          validate=validate.Length(min=1, error="list at least one nugget file"))


class ManifestSchema(Schema):
    """course.yaml"""

    format = fields.String(required=True, validate=validate.Equal(FORMAT, error=f"write `format: {FORMAT}`"))
    slug = fields.String(required=True, validate=SLUG)
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    summary = fields.String(load_default="")
    language = fields.String(load_default="en", validate=[validate.Length(min=2, max=35), _language])
    completion = fields.Nested(CompletionSchema, load_default=lambda: CompletionSchema().load({}))
    skills = fields.List(fields.Nested(SkillSchema), load_default=list)
    achievements = fields.List(fields.Nested(AchievementSchema), load_default=list)
    modules = fields.List(fields.Nested(ModuleSchema), required=True,
                          validate=validate.Length(min=1, error="list at least one module"))


class NuggetFrontMatterSchema(Schema):
    """The YAML between the `---` lines at the top of a nugget file. Items are checked by their type."""

    id = fields.String(required=True, validate=KEY)
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    minutes = fields.Integer(load_default=None, validate=validate.Range(min=1, max=120))
    requires = fields.List(fields.String(), load_default=list)
    skills = fields.List(fields.String(), load_default=list)
    mastery = fields.Float(load_default=0.8, validate=validate.Range(min=0, max=1,
                                                                     error="a share from 0 to 1, e.g. 0.8"))
    attempts = fields.Integer(load_default=3, validate=validate.Range(min=0, max=100,
                                                                      error="0 (unlimited) to 100"))
    items = fields.List(fields.Raw(), load_default=list)


# --- output: the API --------------------------------------------------------------------------------


class VersionOut(Schema):
    id = fields.Integer()
    number = fields.Integer()
    title = fields.String()
    content_hash = fields.String()
    minutes = fields.Integer()
    published_at = fields.DateTime()
    nuggets = fields.Method("_nugget_count")

    def _nugget_count(self, version: Any) -> int:
        return len(version.nuggets)


class CourseOut(Schema):
    id = fields.Integer()
    slug = fields.String()
    title = fields.String()
    created_at = fields.DateTime()
    latest_version = fields.Nested(VersionOut, allow_none=True)


class ProblemOut(Schema):
    file = fields.String()
    line = fields.Integer()
    message = fields.String()


class ImportResultOut(Schema):
    course = fields.Nested(CourseOut)
    version = fields.Nested(VersionOut)
    created = fields.Boolean(metadata={"description": "false when the package equals the latest version"})
    warnings = fields.List(fields.Nested(ProblemOut))


class ErrorOut(Schema):
    error = fields.String()
    message = fields.String()
    hint = fields.String()
    problems = fields.List(fields.Nested(ProblemOut))
