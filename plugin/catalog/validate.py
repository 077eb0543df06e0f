"""Checking a whole package before anything is written: every problem, with file, line and what to change."""

from __future__ import annotations

import hashlib
import json
import mimetypes
import posixpath
from dataclasses import dataclass, field
from typing import Any

from marshmallow import Schema, ValidationError, fields

from plugin.catalog.asset_types import PNG_SIGNATURE, png_is_complete, shown_inline
from plugin.catalog.items import load_item
from plugin.catalog.package import (
    MANIFEST,
    LinedYaml,
    PackageFiles,
    PackageInvalid,
    Path_,
    Problem,
    load_yaml,
    split_front_matter,
)
from plugin.catalog.render import (
    AssetResolver,
    PackageAsset,
    RenderedBody,
    estimate_minutes,
    render_body,
    resolve_quiz_text,
)
from plugin.catalog.schemas import ManifestSchema, NuggetFrontMatterSchema

MAX_NUGGET_MINUTES = 15
for _type, _ext in (("text/vtt", ".vtt"), ("video/webm", ".webm"), ("video/mp4", ".mp4")):
    mimetypes.add_type(_type, _ext)


@dataclass
class ParsedNugget:
    key: str
    title: str
    path: str
    minutes: int
    mastery: float
    attempts: int
    requires: list[str]
    skills: list[str]
    blocks: list[dict[str, Any]]
    items: list[dict[str, Any]]
    front: dict[str, Any]
    body: str
    content_hash: str
    line: int = 2


@dataclass
class ParsedModule:
    key: str
    title: str
    requires: list[str]
    nuggets: list[ParsedNugget]
    line: int


@dataclass
class ParsedAsset:
    path: str
    media_type: str
    sha256: str
    data: bytes


@dataclass
class ParsedCourse:
    manifest: dict[str, Any]
    manifest_raw: dict[str, Any]
    modules: list[ParsedModule]
    assets: dict[str, ParsedAsset]
    content_hash: str
    warnings: list[Problem] = field(default_factory=list)

    @property
    def nuggets(self) -> list[ParsedNugget]:
        return [n for m in self.modules for n in m.nuggets]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def asset_url(sha256: str, path: str) -> str:
    return f"/content/{sha256}/{posixpath.basename(path)}"


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def _field_at(schema: Schema | None, path: Path_) -> fields.Field[Any] | None:
    """The field of ``schema`` that a path of names and list positions leads to, or None."""
    found: fields.Field[Any] | None = None
    current = schema
    for part in path:
        if isinstance(part, int) and isinstance(found, fields.List):
            found = found.inner
        elif isinstance(part, str) and current is not None and part in current.fields:
            found = current.fields[part]
        else:
            return None
        current = found.schema if isinstance(found, fields.Nested) else None
    return found


def _what_to_write(field: fields.Field[Any] | None) -> str:
    """What a value of ``field`` looks like, in the words of the format's documentation."""
    if isinstance(field, fields.Nested):
        return "write a mapping of `key: value` lines"
    if isinstance(field, fields.List):
        return "write a list"
    if isinstance(field, fields.String):
        return "write text"
    if isinstance(field, fields.Boolean):
        return "write true or false"
    if isinstance(field, fields.Number):
        return "write a number"
    return "this value has the wrong type"


def _plain(message: str, field_name: str, known: list[str], field: fields.Field[Any] | None = None) -> str:
    """marshmallow's messages, turned into what the author should change."""
    if message == "Invalid input type.":  # a list or text where a mapping goes, or the other way round
        return f"`{field_name}`: {_what_to_write(field)}" if field_name else _what_to_write(field)
    if message == "Field may not be null.":  # `title:` with nothing after it
        return f"`{field_name}`: give a value" if field_name else "give a value"
    if message == "Missing data for required field.":
        return f"`{field_name}` is required: add it"
    if message == "Unknown field.":
        return f"`{field_name}` is not a known field: remove it or fix its spelling (known: {', '.join(known)})"
    if message == "Not a valid string.":  # YAML reads yes/no/on/off as booleans and 1.0 as a number
        return f"`{field_name}`: not text; put the value in quotes, e.g. \"yes\""
    if message.startswith("Not a valid"):
        return f"`{field_name}`: {message[:-1].lower()}"
    return f"`{field_name}`: {message}" if field_name else message


def schema_problems(errors: Any, doc: LinedYaml, file: str, schema: Schema | None,
                    path: Path_ = (), root: Path_ | None = None) -> list[Problem]:
    """Flatten marshmallow's nested errors, each on the line of the field (or its nearest parent).

    ``root``: where in the document ``schema`` applies (an item's schema at ``items.N``); ``path`` by default.
    """
    root = path if root is None else root
    out: list[Problem] = []
    if isinstance(errors, list):
        for message in errors:
            if isinstance(message, str):
                name = ".".join(str(p) for p in path if p != "_schema")
                known = sorted(schema.fields) if schema is not None else []
                field = _field_at(schema, path[len(root):])
                out.append(Problem(file, doc.line_of(path), _plain(message, name, known, field)))
            else:
                out.extend(schema_problems(message, doc, file, schema, path, root))
    elif isinstance(errors, dict):
        for key, value in errors.items():
            sub = (*path, key) if key != "_schema" else path
            out.extend(schema_problems(value, doc, file, schema, sub, root))
    return out


def _load(schema: Schema, doc: LinedYaml, file: str, problems: list[Problem]) -> dict[str, Any] | None:
    if not isinstance(doc.data, dict):
        problems.append(Problem(file, doc.line_of(()), "expected a mapping of `key: value` lines"))
        return None
    try:
        return schema.load(doc.data)  # type: ignore[no-any-return]
    except ValidationError as exc:
        problems.extend(schema_problems(exc.messages, doc, file, schema))
        return None


def _resolver(files: PackageFiles, nugget_path: str) -> AssetResolver:
    def resolve(ref: str) -> PackageAsset | None:
        ref = ref.split("#", 1)[0].split("?", 1)[0]
        for candidate in (posixpath.normpath(posixpath.join(posixpath.dirname(nugget_path), ref)),
                          posixpath.normpath(ref.lstrip("/"))):
            if candidate in files.files and not candidate.endswith(".md") and candidate != MANIFEST:
                return PackageAsset(candidate, asset_url(_sha(files.files[candidate]), candidate))
        return None

    return resolve


# Item fields that are not Markdown shown to learners: everything else (prompt, choices, feedback, steps,
# pairs, explanation) is, and passes the nugget body's checks on pictures and links.
_NOT_MARKDOWN = frozenset({"id", "type", "patterns"})


def _quiz_texts(value: Any, resolve: AssetResolver, out: RenderedBody) -> Any:
    """An item spec with every quiz text checked and its package paths resolved (:func:`resolve_quiz_text`)."""
    if isinstance(value, str):
        return resolve_quiz_text(value, resolve, out)
    if isinstance(value, list):
        return [_quiz_texts(inner, resolve, out) for inner in value]
    if isinstance(value, dict):
        return {key: inner if key in _NOT_MARKDOWN else _quiz_texts(inner, resolve, out)
                for key, inner in value.items()}
    return value


def _parse_nugget(files: PackageFiles, path: str, problems: list[Problem], warnings: list[Problem],
                  declared: set[str]) -> ParsedNugget | None:
    try:
        source = split_front_matter(files.text(path), path)
    except UnicodeDecodeError:
        problems.append(Problem(path, 0, "not UTF-8 text: save the file as UTF-8"))
        return None
    except PackageInvalid as exc:
        problems.extend(exc.problems)
        return None
    if isinstance(source.front.data, dict) and isinstance(source.front.data.get("id"), str):
        declared.add(source.front.data["id"])  # so others' `requires` are checked even if this file is broken
    front = _load(NuggetFrontMatterSchema(), source.front, path, problems)
    items: list[dict[str, Any]] = []
    raw_items = source.front.data.get("items") if isinstance(source.front.data, dict) else None
    seen_ids: set[str] = set()
    resolve = _resolver(files, path)
    quiz_assets: set[str] = set()
    for index, raw in enumerate(raw_items if isinstance(raw_items, list) else []):
        spec, errors = load_item(raw)
        if errors:
            schema = None
            if isinstance(raw, dict):
                from plugin.catalog.items import ITEM_TYPES
                schema_cls = ITEM_TYPES.get(str(raw.get("type")))
                schema = schema_cls.schema() if schema_cls else None
            problems.extend(schema_problems(errors, source.front, path, schema, ("items", index)))
        elif spec is not None:
            texts = RenderedBody()
            spec = _quiz_texts(spec, resolve, texts)
            problems.extend(Problem(path, source.front.line_of(("items", index)), f"item {spec['id']!r}: {message}")
                            for _, message in texts.problems)
            quiz_assets |= texts.assets_used
            if spec["id"] in seen_ids:
                problems.append(Problem(path, source.front.line_of(("items", index)),
                                        f"item id {spec['id']!r} is used twice in this nugget: make it unique"))
            seen_ids.add(spec["id"])
            items.append(spec)

    def yaml_at(text: str, line: int) -> Any:
        try:
            return load_yaml(text, path, first_line=line).data
        except PackageInvalid as exc:
            problems.extend(exc.problems)
            return None

    rendered = render_body(source.body, resolve, source.body_first_line, yaml_at)
    problems.extend(Problem(path, line, message) for line, message in rendered.problems)
    if front is None:
        return None
    if not rendered.blocks and not items:
        if not rendered.problems:  # a refused block is told already, and is the content the author meant
            problems.append(Problem(path, source.body_first_line,
                                    "this nugget has no content: write some Markdown below the front matter, "
                                    "add a video, or add quiz items"))
        return None
    video_seconds = sum(v["duration"] for v in rendered.videos)
    minutes = front["minutes"] or estimate_minutes(rendered.words, video_seconds, rendered.images, len(items))
    if minutes > MAX_NUGGET_MINUTES:
        warnings.append(Problem(path, source.front.line_of(("minutes",), 2),
                                f"about {minutes} minutes: nuggets work best at 5–15 minutes; consider "
                                "splitting it in two"))
    used = {p: _sha(files.files[p]) for p in sorted(rendered.assets_used | quiz_assets) if p in files.files}
    digest = _sha(json.dumps({"front": source.front.data, "body": source.body, "assets": used},
                             sort_keys=True, default=str).encode())
    return ParsedNugget(key=front["id"], title=front["title"], path=path, minutes=minutes,
                        mastery=front["mastery"], attempts=front["attempts"], requires=front["requires"],
                        skills=front["skills"], blocks=rendered.blocks, items=items, front=source.front.data,
                        body=source.body, content_hash=digest, line=source.front.line_of(("id",), 2))


def find_cycle(edges: dict[str, list[str]]) -> list[str] | None:
    """A cycle in a directed graph as [a, b, ..., a], or None. Iterative DFS with colours."""
    state: dict[str, int] = {}
    for start in edges:
        if state.get(start):
            continue
        stack: list[tuple[str, int]] = [(start, 0)]
        path: list[str] = []
        while stack:
            node, index = stack.pop()
            if index == 0:
                state[node] = 1
                path.append(node)
            targets = edges.get(node, [])
            if index < len(targets):
                stack.append((node, index + 1))
                nxt = targets[index]
                if state.get(nxt) == 1:
                    return path[path.index(nxt):] + [nxt]
                if not state.get(nxt):
                    stack.append((nxt, 0))
            else:
                state[node] = 2
                path.pop()
    return None


def _check_graph(modules: list[ParsedModule], problems: list[Problem], doc: LinedYaml, declared: set[str]) -> None:
    """Unknown prerequisites are always reported; a cycle only when everything else is valid."""
    module_keys = {m.key for m in modules}
    nugget_keys = {n.key for m in modules for n in m.nuggets}
    valid_so_far = not problems
    edges: dict[str, list[str]] = {}
    for mi, module in enumerate(modules):
        for req in module.requires:
            if req not in module_keys:
                problems.append(Problem(MANIFEST, doc.line_of(("modules", mi, "requires")),
                                        f"module {module.key!r} requires unknown module {req!r}: use one of "
                                        f"{', '.join(sorted(module_keys))}"))
        edges[f"module {module.key}"] = [f"module {r}" for r in module.requires if r in module_keys] + [
            f"nugget {n.key}" for n in module.nuggets]
        for nugget in module.nuggets:
            for req in nugget.requires:
                if req not in nugget_keys and req not in declared:
                    problems.append(Problem(nugget.path, nugget.line,
                                            f"`requires`: unknown nugget {req!r}: use the `id` of another nugget"))
            edges[f"nugget {nugget.key}"] = [f"nugget {r}" for r in nugget.requires if r in nugget_keys] + [
                f"module {r}" for r in module.requires if r in module_keys]
    cycle = find_cycle(edges) if valid_so_far else None
    if cycle:
        problems.append(Problem(MANIFEST, doc.line_of(("modules",)),
                                "prerequisites form a cycle, so nobody could start: "
                                + " → ".join(cycle) + ". Remove one of these `requires`"))


# Open Badges 3.0 §B.1.9 Image: the credentials feature bakes PNG and SVG badges only.
BADGE_IMAGE_TYPES = {"image/png": "PNG", "image/svg+xml": "SVG"}


def _check_achievements(achievements: list[dict[str, Any]], doc: LinedYaml, files: PackageFiles,
                        problems: list[Problem]) -> None:
    """What publishing a course's badges needs, found now with its line instead of failing at publish."""
    for ai, achievement in enumerate(achievements):
        label = f"achievement {achievement['id']!r}"
        if not achievement["name"].strip():
            problems.append(Problem(MANIFEST, doc.line_of(("achievements", ai, "name")),
                                    f"{label}: `name` is blank: write the badge's name, e.g. "
                                    "name: Feedback practitioner"))
        image = achievement["image"]
        if not image:
            continue
        line = doc.line_of(("achievements", ai, "image"))
        if image not in files.files or image == MANIFEST:
            problems.append(Problem(MANIFEST, line, f"{label}: `image: {image}` is not a file in the package: "
                                                    "add it or fix the path (relative to course.yaml)"))
            continue
        media_type = mimetypes.guess_type(image)[0]
        if media_type not in BADGE_IMAGE_TYPES:
            problems.append(Problem(MANIFEST, line, f"{label}: `image: {image}` is not a PNG or SVG picture: "
                                                    "save the badge as .png or .svg and name that file here"))
        elif media_type == "image/png" and not files.files[image].startswith(PNG_SIGNATURE):
            problems.append(Problem(MANIFEST, line, f"{label}: `image: {image}` is named .png but is not a PNG "
                                                    "picture: export it as PNG again"))
        elif media_type == "image/png" and not png_is_complete(files.files[image]):
            problems.append(Problem(MANIFEST, line, f"{label}: `image: {image}` is a damaged PNG (cut short or "
                                                    "corrupted): export it as PNG again"))


def parse_package(files: PackageFiles) -> ParsedCourse:
    """Check everything; raise :class:`PackageInvalid` with all problems, or return the parsed course."""
    problems: list[Problem] = []
    warnings: list[Problem] = []
    try:
        doc = load_yaml(files.text(MANIFEST), MANIFEST)
    except UnicodeDecodeError:
        raise PackageInvalid([Problem(MANIFEST, 0, "not UTF-8 text: save it as UTF-8")]) from None
    manifest = _load(ManifestSchema(), doc, MANIFEST, problems)
    if manifest is not None:
        _check_achievements(manifest["achievements"], doc, files, problems)
    modules: list[ParsedModule] = []
    listed: set[str] = set()
    declared: set[str] = set()
    raw_modules = doc.data.get("modules") if isinstance(doc.data, dict) else None
    for mi, raw_module in enumerate(raw_modules if isinstance(raw_modules, list) else []):
        nuggets: list[ParsedNugget] = []
        raw_nuggets = raw_module.get("nuggets") if isinstance(raw_module, dict) else None
        for ni, path in enumerate(raw_nuggets if isinstance(raw_nuggets, list) else []):
            line = doc.line_of(("modules", mi, "nuggets", ni))
            if not isinstance(path, str) or path not in files.files:
                problems.append(Problem(MANIFEST, line, f"nugget file {path!r} is not in the package: "
                                                        "check the path (relative to course.yaml)"))
                continue
            if path in listed:
                problems.append(Problem(MANIFEST, line, f"{path} is listed twice: list each nugget once"))
                continue
            listed.add(path)
            nugget = _parse_nugget(files, path, problems, warnings, declared)
            if nugget:
                nuggets.append(nugget)
        if manifest and mi < len(manifest["modules"]):
            m = manifest["modules"][mi]
            modules.append(ParsedModule(m["id"], m["title"], m["requires"], nuggets, doc.line_of(("modules", mi))))
    seen: dict[str, ParsedNugget] = {}
    for nugget in (n for m in modules for n in m.nuggets):
        if nugget.key in seen:
            problems.append(Problem(nugget.path, nugget.line, f"nugget id {nugget.key!r} is also used by "
                                                              f"{seen[nugget.key].path}: make it unique"))
        seen[nugget.key] = nugget
    if len({m.key for m in modules}) != len(modules):
        problems.append(Problem(MANIFEST, doc.line_of(("modules",)), "two modules share an `id`: make them unique"))
    _check_graph(modules, problems, doc, declared)
    for path in sorted(p for p in files.files if p.endswith(".md") and p not in listed and p != "README.md"):
        warnings.append(Problem(path, 0, "not listed in course.yaml, so it is not part of the course"))
    if problems or manifest is None:
        raise PackageInvalid(problems)
    assets = {p: ParsedAsset(p, mimetypes.guess_type(p)[0] or "application/octet-stream", _sha(data), data)
              for p, data in files.files.items() if p != MANIFEST and p not in listed}
    for path in sorted(p for p, a in assets.items() if not p.endswith(".md") and not shown_inline(a.media_type)):
        media_type = assets[path].media_type
        warnings.append(Problem(path, 0, f"{_article(media_type)} {media_type} file is offered as a download, never "
                                         "shown in a page: pages show pictures, audio, video and captions"))
    digest = _sha(json.dumps({"manifest": doc.data, "nuggets": [n.content_hash for m in modules for n in m.nuggets],
                              "assets": {p: a.sha256 for p, a in sorted(assets.items())}},
                             sort_keys=True, default=str).encode())
    return ParsedCourse(manifest, doc.data, modules, assets, digest, warnings)
