"""Reading a content package (a folder or a .zip) into memory, and YAML that remembers its line numbers.

Nothing here touches the database: a package is read whole, checked whole (:mod:`plugin.catalog.validate`)
and only then written, so an invalid package changes nothing.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from plugin.web.wording import counted

MANIFEST = "course.yaml"
MAX_FILE_BYTES = 25 * 1024 * 1024
MAX_PACKAGE_BYTES = 200 * 1024 * 1024
IGNORED_NAMES = frozenset({".DS_Store", "Thumbs.db"})

Path_ = tuple[str | int, ...]


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a package: where it is and what to change."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}" if self.line else f"{self.file}: {self.message}"


class PackageInvalid(ValueError):
    """The package cannot be imported. ``problems`` lists every problem found, not only the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(set(problems))
        super().__init__(f"{counted(len(self.problems), 'problem')} in the package:\n"
                         + "\n".join(f"  {p}" for p in self.problems))


@dataclass
class PackageFiles:
    """Every file of a package by its POSIX path relative to the package root."""

    files: dict[str, bytes] = field(default_factory=dict)

    def text(self, path: str) -> str:
        return self.files[path].decode("utf-8")


def _safe_path(name: str) -> str | None:
    name = name.replace("\\", "/")
    norm = posixpath.normpath(name)
    if name.startswith("/") or norm.startswith("..") or norm == ".":
        return None
    return norm


def _strip_common_root(files: dict[str, bytes]) -> dict[str, bytes]:
    """A zip made of a folder ("course/course.yaml") is read as if zipped from inside it."""
    if MANIFEST in files:
        return files
    roots = {p.split("/", 1)[0] for p in files}
    if len(roots) == 1 and all("/" in p for p in files):
        root = roots.pop() + "/"
        return {p[len(root):]: data for p, data in files.items()}
    return files


def read_package(source: Path | bytes | io.BufferedIOBase) -> PackageFiles:
    """Read a package folder, a .zip path, or .zip bytes/stream. Raises :class:`PackageInvalid`."""
    problems: list[Problem] = []
    files: dict[str, bytes] = {}
    if isinstance(source, Path) and source.is_dir():
        for path in sorted(source.rglob("*")):
            if path.is_file() and path.name not in IGNORED_NAMES and not path.name.startswith("."):
                rel = path.relative_to(source).as_posix()
                if path.stat().st_size > MAX_FILE_BYTES:
                    problems.append(Problem(rel, 0, f"file is larger than {MAX_FILE_BYTES // 2**20} MB: "
                                                    "make it smaller (compress the video or image)"))
                    continue
                files[rel] = path.read_bytes()
    else:
        if isinstance(source, Path):
            if not source.exists():
                raise PackageInvalid([Problem(str(source), 0, "no such file or folder")])
            data = source.read_bytes()
        elif isinstance(source, bytes):
            data = source
        else:
            data = source.read()
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile:
            raise PackageInvalid([Problem("(package)", 0, "not a .zip file: upload a .zip of the course "
                                                          "folder (the folder that holds course.yaml)")]) from None
        total = 0
        for info in archive.infolist():
            if info.is_dir():
                continue
            name = _safe_path(info.filename)
            base = posixpath.basename(info.filename)
            if base in IGNORED_NAMES or base.startswith(".") or info.filename.startswith("__MACOSX/"):
                continue
            if name is None:
                problems.append(Problem(info.filename, 0, "unsafe path in the zip: use paths inside the package"))
                continue
            total += info.file_size
            if info.file_size > MAX_FILE_BYTES or total > MAX_PACKAGE_BYTES:
                problems.append(Problem(name, 0, "file too large once unzipped: the limit is "
                                                 f"{MAX_FILE_BYTES // 2**20} MB per file, "
                                                 f"{MAX_PACKAGE_BYTES // 2**20} MB per package"))
                continue
            try:
                files[name] = archive.read(info)
            except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
                problems.append(Problem(name, 0, f"damaged in the zip ({exc}): zip the course folder again"))
            except (NotImplementedError, RuntimeError):  # an unsupported compression method, or encryption
                problems.append(Problem(name, 0, "cannot be unzipped here (encrypted or an unusual compression "
                                                 "method): zip the course folder again with standard settings"))
        files = _strip_common_root(files)
    if MANIFEST not in files and not problems:
        problems.append(Problem(MANIFEST, 0, "the package has no course.yaml at its top level: add one "
                                             "(see docs/content-format.md)"))
    if problems:
        raise PackageInvalid(problems)
    return PackageFiles(files)


def write_zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(files):
            info = zipfile.ZipInfo(path, date_time=(2020, 1, 1, 0, 0, 0))  # reproducible bytes
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[path])
    return buffer.getvalue()


# --- YAML with line numbers --------------------------------------------------------------------------


@dataclass
class LinedYaml:
    """Parsed YAML plus the 1-based line of every key and list entry, by path."""

    data: Any
    lines: dict[Path_, int]

    def line_of(self, path: Path_, default: int = 1) -> int:
        """The line of ``path`` or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return default


# YAML 1.1 types that are plain JSON values: anything else (!!binary, !!timestamp, !!set, custom tags) could
# not be stored, so an author is told where it is rather than the import failing at the database.
_PLAIN_TAGS = {"tag:yaml.org,2002:" + name for name in ("str", "int", "float", "bool", "null")}
_MAPPING_TAG, _SEQUENCE_TAG = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"
_MERGE_TAG, _TIMESTAMP_TAG = "tag:yaml.org,2002:merge", "tag:yaml.org,2002:timestamp"


class _PackageLoader(yaml.SafeLoader):  # type: ignore[misc]  # PyYAML ships no types
    """SafeLoader that never resolves an alias and reads an unquoted date as the text the author wrote.

    Aliases are refused because a few nested ones expand into billions of values ("billion laughs") and
    one that names its own anchor never ends; :func:`load_yaml` reports the lines recorded here.
    """

    yaml_implicit_resolvers = {first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP_TAG]
                               for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.anchor_lines: set[int] = set()

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            self.get_event()
            self.anchor_lines.add(event.start_mark.line)
            return yaml.ScalarNode("tag:yaml.org,2002:null", "", event.start_mark, event.end_mark)
        if isinstance(event, yaml.NodeEvent) and event.anchor is not None:
            self.anchor_lines.add(event.start_mark.line)
            event.anchor = None  # never registered, so nothing can refer to it
        return super().compose_node(parent, index)


def _shown_tag(tag: str) -> str:
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org,2002:") else tag


def load_yaml(text: str, file: str, first_line: int = 1) -> LinedYaml:
    """Parse YAML keeping line numbers. Raises :class:`PackageInvalid` naming the line of a syntax error.

    Only plain JSON values come out (text, numbers, true/false, null, lists, mappings); anchors, aliases
    and tags for other types are problems at their line.
    """
    offset = first_line - 1
    loader = _PackageLoader(text)
    try:
        node = loader.get_single_node()
        if loader.anchor_lines:
            raise PackageInvalid([Problem(file, line + 1 + offset, "anchors and aliases (&name, *name) are not "
                                                                   "supported: write the value out")
                                  for line in loader.anchor_lines])
        lines: dict[Path_, int] = {}
        problems: list[Problem] = []

        def tag_refused(n: yaml.Node) -> bool:
            plain = _PLAIN_TAGS if isinstance(n, yaml.ScalarNode) else (
                {_MAPPING_TAG} if isinstance(n, yaml.MappingNode) else {_SEQUENCE_TAG})
            if n.tag in plain:
                return False
            line = n.start_mark.line + 1 + offset
            if n.tag == _MERGE_TAG:
                problems.append(Problem(file, line, "merge keys (<<) are not supported: write the keys out"))
            else:
                problems.append(Problem(file, line, f"the YAML tag `{_shown_tag(n.tag)}` is not supported: write "
                                                    "a plain value (text, a number, true/false, a list or a "
                                                    "mapping)"))
            return True

        def build(n: yaml.Node | None, path: Path_) -> Any:
            if n is None or tag_refused(n):
                return None
            if isinstance(n, yaml.MappingNode):
                out: dict[Any, Any] = {}
                for key_node, value_node in n.value:
                    line = key_node.start_mark.line + 1 + offset
                    if not isinstance(key_node, yaml.ScalarNode):
                        problems.append(Problem(file, line, "keys must be plain words"))
                        continue
                    if tag_refused(key_node):
                        continue
                    key = loader.construct_object(key_node)
                    if not isinstance(key, str | int):
                        problems.append(Problem(file, line, "keys must be plain words"))
                        continue
                    if key in out:
                        problems.append(Problem(file, line, f"`{key}` appears twice: keep only one"))
                    lines[(*path, key)] = line
                    out[key] = build(value_node, (*path, key))
                return out
            if isinstance(n, yaml.SequenceNode):
                items = []
                for index, item in enumerate(n.value):
                    lines[(*path, index)] = item.start_mark.line + 1 + offset
                    items.append(build(item, (*path, index)))
                return items
            return loader.construct_object(n)

        if node is not None:
            lines[()] = node.start_mark.line + 1 + offset
        data = build(node, ())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 1 + offset) if mark else first_line
        raise PackageInvalid([Problem(file, line, f"YAML syntax error: {exc.problem or exc.context}. "
                                                  "Check indentation, colons and quotes on this line")]) from None
    except yaml.YAMLError as exc:
        raise PackageInvalid([Problem(file, first_line, f"YAML error: {exc}")]) from None
    finally:
        loader.dispose()
    if problems:
        raise PackageInvalid(problems)
    return LinedYaml(data, lines)


@dataclass
class NuggetSource:
    front: LinedYaml
    body: str
    body_first_line: int


def split_front_matter(text: str, file: str) -> NuggetSource:
    """A nugget file: ``---`` YAML front matter ``---`` then Markdown."""
    lines = text.removeprefix("\ufeff").splitlines(keepends=True)  # a BOM, as some Windows editors save
    if not lines or lines[0].strip() != "---":
        raise PackageInvalid([Problem(file, 1, "a nugget file must start with a `---` line, then its front "
                                               "matter (id, title, items), then another `---` line")])
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            front = load_yaml("".join(lines[1:index]), file, first_line=2)
            if front.data is None:
                front = LinedYaml({}, {(): 2})
            return NuggetSource(front, "".join(lines[index + 1:]), index + 2)
    raise PackageInvalid([Problem(file, 1, "the front matter is not closed: add a `---` line after it")])
