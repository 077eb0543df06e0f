"""JSON-LD canonicalization for Data Integrity proofs: bundled contexts, processed once, every term checked.

The contexts ship in ``contexts/`` and are never fetched (VC Data Model 2.0 §4.3 allows, and the OB 3.0
implementation guide asks, that verifiers and issuers use cached copies of well-known contexts).

Speed: pyld keeps a *processed* context between calls only when the document loader tags the remote
document ``"tag": "static"`` (``ContextResolver._cache_resolved_context`` stores only tagged documents
in the shared cache, and ``ResolvedContext`` keeps each processed result keyed by the active context).
Our loader serves immutable bundled files, so it tags them; the shared cache is our own dict, not pyld's
module-wide LRU, so no other pyld user can evict or poison it. Expansion still runs on every document,
and with it the safety check below.

Safety (like jsonld.js ``safe: true``, which the eddsa-rdfc-2022 cryptosuite uses): a property that no
context defines, a type or id that is not an absolute IRI, would be silently dropped from the canonical
form, so a signature would not cover it. Such a document is refused instead.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from cachetools import LRUCache
from pyld import jsonld
from pyld.context_resolver import ContextResolver

CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
OPEN_BADGES_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"

BUNDLED_FILES = {
    CREDENTIALS_V2: "credentials-v2.json",
    OPEN_BADGES_V3: "ob-v3p0-3.0.3.json",
}


class UndefinedTermError(ValueError):
    """A document uses a term no context defines, so part of it would escape the signature."""


class ContextNotBundled(ValueError):
    """A document names a context Skillbite does not ship; it is never fetched from the network."""


@cache
def bundled_context(url: str) -> Mapping[str, Any]:
    try:
        name = BUNDLED_FILES[url]
    except KeyError:
        raise ContextNotBundled(f"The JSON-LD context {url} is not bundled with Skillbite.") from None
    data: dict[str, Any] = json.loads(resources.files(__package__).joinpath("contexts", name).read_text("utf-8"))
    return data


def bundled_contexts() -> dict[str, Mapping[str, Any]]:
    return {url: bundled_context(url) for url in BUNDLED_FILES}


class BundledContextLoader:
    """A pyld document loader over the bundled contexts. ``static`` lets pyld keep processed contexts."""

    def __init__(self, static: bool = True) -> None:
        self.static = static

    def __call__(self, url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
        try:
            document = bundled_context(url)
        except ContextNotBundled as exc:
            raise jsonld.JsonLdError(str(exc), "jsonld.LoadDocumentError", {"url": url},
                                     code="loading document failed") from None
        remote: dict[str, Any] = {"contentType": "application/ld+json", "contextUrl": None,
                                  "documentUrl": url, "document": copy.deepcopy(document)}
        if self.static:
            remote["tag"] = "static"
        return remote


def _refuse_dropped(expanded_property: str | None) -> None:
    raise UndefinedTermError(
        f"The property {expanded_property!r} is not defined by any @context of the document; "
        "it would not be covered by the signature.")


def _is_absolute(iri: str) -> bool:
    """An absolute IRI or a blank node identifier (pyld's own test)."""
    return bool(jsonld._is_absolute_iri(iri))


class _SafeProcessor(jsonld.JsonLdProcessor):  # type: ignore[misc]
    """pyld's processor, refusing what it would otherwise silently leave out of the RDF dataset."""

    def _graph_to_rdf(self, graph: dict[str, Any], issuer: Any, options: dict[str, Any]) -> Any:
        for node_id, node in graph.items():
            if not _is_absolute(node_id):
                raise UndefinedTermError(f"The id {node_id!r} is not an absolute IRI.")
            for prop, items in node.items():
                if prop == "@type":
                    for value in items:
                        if not _is_absolute(value):
                            raise UndefinedTermError(
                                f"The type {value!r} is not defined by any @context of the document.")
                elif not prop.startswith("@") and not _is_absolute(prop):
                    raise UndefinedTermError(f"The property {prop!r} is not an absolute IRI.")
                else:
                    for item in items if prop != "@type" else ():
                        if isinstance(item, dict) and "@id" in item and not _is_absolute(item["@id"]):
                            raise UndefinedTermError(f"The id {item['@id']!r} is not an absolute IRI.")
        return super()._graph_to_rdf(graph, issuer, options)


class _ContextReusingProcessor(_SafeProcessor):
    """Also reuses the result of applying a scoped context to an active context.

    pyld caches a processed context per (resolved context, active context ``_uuid``), but a type-scoped
    context (OB 3.0 scopes one to every class: Achievement, Profile, Alignment...) is applied to a fresh
    clone with a new ``_uuid`` every time, so that cache never hits and most of the time of a
    canonicalization goes into processing the same contexts again. Processing is a pure function of
    (active context, local context, flags), and pyld never changes an active context once it has a
    ``_uuid`` (its own cache relies on that), so the result is kept here, keyed by the active context's
    ``_uuid`` and the local context's content. Expansion, and with it the check that every term is
    defined, still runs on every document; a context that fails to process is not kept.
    """

    def _process_context(self, active_ctx: Any, local_ctx: Any, options: dict[str, Any],
                         override_protected: bool = False, propagate: bool = True,
                         validate_scoped: bool = True, cycles: Any = None) -> Any:
        uuid = active_ctx.get("_uuid") if isinstance(active_ctx, Mapping) else None
        content = _context_content(local_ctx) if uuid is not None else None
        if content is None:
            return super()._process_context(active_ctx, local_ctx, options, override_protected, propagate,
                                            validate_scoped, cycles)
        key = (uuid, content, override_protected, propagate, validate_scoped, options.get("processingMode"))
        with _PROCESSED_LOCK:
            hit = _PROCESSED.get(key)
        if hit is not None:
            return hit
        result = super()._process_context(active_ctx, local_ctx, options, override_protected, propagate,
                                          validate_scoped, cycles)
        with _PROCESSED_LOCK:
            _PROCESSED[key] = result
        return result


def _context_content(local_ctx: Any) -> str | None:
    """A key for a local context: its URL(s), or its JSON text (pyld itself keys inline contexts by JCS)."""
    if isinstance(local_ctx, str):
        return local_ctx
    if not local_ctx or not isinstance(local_ctx, list | Mapping):
        return None
    try:
        return json.dumps(local_ctx, sort_keys=True, separators=(",", ":"), default=dict)
    except (TypeError, ValueError):
        return None


# One shared cache of resolved (and, within them, processed) contexts for the whole process.
_SHARED_RESOLVED: dict[str, Any] = {}
_STATIC_LOADER = BundledContextLoader(static=True)
_PROCESSED: LRUCache[tuple[object, ...], Any] = LRUCache(maxsize=4096)
_PROCESSED_LOCK = threading.Lock()


def canonize(document: Mapping[str, Any], *, reuse_contexts: bool = True) -> str:
    """RDF Dataset Canonicalization (RDFC-1.0, pyld's URDNA2015) of a JSON-LD document, as N-Quads.

    ``reuse_contexts=False`` is the naive way: the contexts are served from the bundle but processed
    again on every call (kept for the benchmark's reference).
    """
    processor: _SafeProcessor
    if reuse_contexts:
        loader, shared = _STATIC_LOADER, _SHARED_RESOLVED
        processor = _ContextReusingProcessor(on_property_dropped=_refuse_dropped)
    else:
        loader, shared = BundledContextLoader(static=False), {}
        processor = _SafeProcessor(on_property_dropped=_refuse_dropped)
    options = {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "base": None,  # like jsonld.js base: null; pyld would otherwise resolve against example.org
        "documentLoader": loader,
        "contextResolver": ContextResolver(shared, loader),
    }
    try:
        result: str = processor.normalize(dict(document), options)
    except jsonld.JsonLdError as exc:
        cause = exc.__cause__
        while cause is not None:
            if isinstance(cause, UndefinedTermError | ContextNotBundled):
                raise cause from None
            cause = cause.__cause__
        raise
    return result
