"""Reading skill frameworks: ESCO CSV (skills + broader relations) and 1EdTech CASE 1.0 JSON packages.

Readers check the whole input and report every problem at once (file, row, what to fix) before anything
is written; :func:`plugin.skills.services.import_framework` then writes in the caller's transaction.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from plugin.web.wording import counted

MAX_PROBLEMS = 200  # beyond this the file is probably not what was meant; more lines would not help


@dataclass(frozen=True)
class Problem:
    file: str
    row: int  # 1-based line of a CSV (the header is row 1), 0 for the file as a whole; JSON: list index + 1
    message: str

    def __str__(self) -> str:
        where = f"{self.file}, row {self.row}" if self.row else self.file
        return f"{where}: {self.message}"


class FrameworkInvalid(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(f"{counted(len(problems), 'problem')}; nothing was imported:\n"
                         + "\n".join(f"  {p}" for p in problems))


@dataclass
class ParsedSkill:
    uri: str
    label: str
    description: str = ""
    code: str | None = None
    broader_uri: str | None = None


@dataclass
class ParsedFramework:
    key: str
    title: str
    source_format: str
    uri: str | None = None
    skills: list[ParsedSkill] = field(default_factory=list)


MAX_URI = 1000  # the column's length (skill.uri, skill_framework.uri)


def _is_uri(value: str) -> bool:
    return ":" in value and " " not in value and len(value) <= MAX_URI


def _shown(value: object) -> str:
    """A value in a problem message, cut short: a 5,000-character URI would bury the message."""
    text = str(value)
    return repr(text if len(text) <= 80 else text[:80] + "…")


def _read_csv(path: Path, problems: list[Problem], required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(path.name, 0, f"cannot read the file as UTF-8 text ({exc})"))
        return []
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [c for c in required if c not in header]
    if missing:
        problems.append(Problem(path.name, 1, f"missing column(s) {', '.join(missing)}; the header has "
                                              f"{', '.join(header) or 'nothing'}"))
        return []
    return [(number, {k: (v or "").strip() for k, v in row.items() if k}) for number, row in
            enumerate(reader, start=2)]


def read_esco(skills_csv: Path, hierarchy_csv: Path | None = None, *, key: str = "esco",
              title: str = "ESCO skills", known_uris: frozenset[str] = frozenset()) -> ParsedFramework:
    """ESCO's ``skills_<lang>.csv`` (conceptUri, preferredLabel, description) and optionally
    ``broaderRelationsSkillPillar_<lang>.csv`` (conceptUri, broaderUri). ``known_uris``: skills already
    stored, which a hierarchy row may name as broader."""
    problems: list[Problem] = []
    framework = ParsedFramework(key=key, title=title, source_format="esco")
    by_uri: dict[str, ParsedSkill] = {}
    for number, row in _read_csv(skills_csv, problems, ("conceptUri", "preferredLabel")):
        uri, label = row.get("conceptUri", ""), row.get("preferredLabel", "")
        if not uri:
            problems.append(Problem(skills_csv.name, number, "conceptUri is empty: give the skill's URI"))
        elif not _is_uri(uri):
            problems.append(Problem(skills_csv.name, number, f"conceptUri {uri[:80]!r} is not a URI "
                                                             "(e.g. http://data.europa.eu/esco/skill/…)"))
        elif uri in by_uri:
            problems.append(Problem(skills_csv.name, number, f"conceptUri {uri} appears twice: keep one row"))
        if not label:
            problems.append(Problem(skills_csv.name, number, "preferredLabel is empty: give the skill a name"))
        if uri and label and _is_uri(uri) and uri not in by_uri:
            description = row.get("description") or row.get("definition") or row.get("scopeNote") or ""
            by_uri[uri] = ParsedSkill(uri=uri, label=label[:500], description=description,
                                      code=uri.rstrip("/").rsplit("/", 1)[-1][:200])
        if len(problems) >= MAX_PROBLEMS:
            break
    if hierarchy_csv is not None:
        for number, row in _read_csv(hierarchy_csv, problems, ("conceptUri", "broaderUri")):
            narrower, broader = row.get("conceptUri", ""), row.get("broaderUri", "")
            if narrower not in by_uri:
                problems.append(Problem(hierarchy_csv.name, number, f"conceptUri {narrower or '(empty)'} is not "
                                                                    f"a skill of {skills_csv.name}"))
            elif broader not in by_uri and broader not in known_uris:
                problems.append(Problem(hierarchy_csv.name, number, f"broaderUri {broader or '(empty)'} is not "
                                                                    "a skill of this framework"))
            elif broader == narrower:
                problems.append(Problem(hierarchy_csv.name, number, "a skill cannot be broader than itself"))
            else:
                by_uri[narrower].broader_uri = broader
            if len(problems) >= MAX_PROBLEMS:
                break
    framework.skills = list(by_uri.values())
    if not framework.skills and not problems:
        problems.append(Problem(skills_csv.name, 0, "no skills found: the file has a header but no rows"))
    _check_cycles(framework, hierarchy_csv.name if hierarchy_csv else skills_csv.name, problems)
    if problems:
        raise FrameworkInvalid(problems[:MAX_PROBLEMS])
    return framework


def _node_id(node: Any) -> str:
    """CASE LinkURI: {title, identifier, uri}. Either identifier or uri may be used to point at an item."""
    if isinstance(node, dict):
        return str(node.get("identifier") or node.get("uri") or "")
    return ""


def read_case(path: Path, *, known_uris: frozenset[str] = frozenset()) -> ParsedFramework:
    """A CASE 1.0 CFPackage: CFDocument, CFItems, CFAssociations (``isChildOf`` builds the hierarchy)."""
    name = path.name
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FrameworkInvalid([Problem(name, 0, f"not a readable JSON file ({exc})")]) from None
    problems: list[Problem] = []
    if not isinstance(data, dict) or not isinstance(data.get("CFDocument"), dict):
        raise FrameworkInvalid([Problem(name, 0, "a CASE package has a CFDocument object at the top "
                                                 "(CASE 1.0 CFPackage)")])
    document = data["CFDocument"]
    doc_id = str(document.get("identifier") or "")
    if not doc_id:
        problems.append(Problem(f"{name} CFDocument", 0, "identifier is empty"))
    doc_uri = document.get("uri")
    if doc_uri is not None and not (isinstance(doc_uri, str) and _is_uri(doc_uri)):
        problems.append(Problem(f"{name} CFDocument", 0, f"uri {_shown(doc_uri)} is not a URI of at most "
                                                         f"{MAX_URI} characters"))
        doc_uri = None
    framework = ParsedFramework(key=f"case:{doc_id}"[:100], title=str(document.get("title") or doc_id)[:300],
                                source_format="case", uri=doc_uri)
    items = data.get("CFItems", [])
    if not isinstance(items, list):
        items = []
        problems.append(Problem(name, 0, "CFItems must be a list"))
    by_uri: dict[str, ParsedSkill] = {}
    alias: dict[str, str] = {}  # identifier → uri: associations may use either
    for index, item in enumerate(items, start=1):
        where = f"{name} CFItems"
        if not isinstance(item, dict):
            problems.append(Problem(where, index, "each CFItem must be an object"))
            continue
        ident, statement = str(item.get("identifier") or ""), str(item.get("fullStatement") or "").strip()
        uri = str(item.get("uri") or ident)
        if not ident:
            problems.append(Problem(where, index, "identifier is empty: CASE requires a UUID per item"))
        # An item without a uri is known by its identifier (a UUID, no scheme); a uri given must be one.
        bad_uri = bool(item.get("uri")) and not _is_uri(uri) or len(uri) > MAX_URI
        if bad_uri:
            problems.append(Problem(where, index, f"uri {_shown(uri)} is not a URI of at most {MAX_URI} characters"))
        if not statement:
            problems.append(Problem(where, index, f"fullStatement of {ident or 'this item'} is empty"))
        if uri in by_uri:
            problems.append(Problem(where, index, f"item {uri} appears twice"))
        if ident and statement and not bad_uri and uri not in by_uri:
            label = str(item.get("abbreviatedStatement") or statement)
            by_uri[uri] = ParsedSkill(uri=uri, label=label[:500], description=statement if label != statement
                                      else str(item.get("notes") or ""),
                                      code=str(item.get("humanCodingScheme") or ident)[:200])
            alias[ident] = uri
    for index, assoc in enumerate(data.get("CFAssociations", []) or [], start=1):
        where = f"{name} CFAssociations"
        if not isinstance(assoc, dict) or assoc.get("associationType") != "isChildOf":
            continue  # other association types (exactMatchOf, precedes, …) do not shape the hierarchy
        child = _node_id(assoc.get("originNodeURI"))
        parent = _node_id(assoc.get("destinationNodeURI"))
        child, parent = alias.get(child, child), alias.get(parent, parent)
        if child not in by_uri:
            problems.append(Problem(where, index, f"originNodeURI {child or '(empty)'} is not a CFItem"))
        elif parent in (doc_id, document.get("uri")):
            continue  # a top-level item: its parent is the document itself
        elif parent not in by_uri and parent not in known_uris:
            problems.append(Problem(where, index, f"destinationNodeURI {parent or '(empty)'} is neither a CFItem "
                                                  "nor the CFDocument"))
        else:
            by_uri[child].broader_uri = parent
    framework.skills = list(by_uri.values())
    if not framework.skills and not problems:
        problems.append(Problem(name, 0, "CFItems is empty: the package has no skills"))
    _check_cycles(framework, name, problems)
    if problems:
        raise FrameworkInvalid(problems[:MAX_PROBLEMS])
    return framework


def _check_cycles(framework: ParsedFramework, file: str, problems: list[Problem]) -> None:
    parents = {s.uri: s.broader_uri for s in framework.skills if s.broader_uri}
    reported: set[str] = set()
    for start in parents:
        seen: list[str] = []
        node: str | None = start
        while node is not None and node not in seen:
            seen.append(node)
            node = parents.get(node)
        if node is not None and node not in reported:
            loop = seen[seen.index(node):]
            reported.update(loop)
            problems.append(Problem(file, 0, "the hierarchy has a loop: " + " → ".join(loop + [node])
                                    + "; remove one of these broader relations"))
