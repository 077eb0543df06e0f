"""Reading console pages as elements, not substrings: what a screen reader is told about a field."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"input", "br", "img", "meta", "link", "hr", "source", "col", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""
    children: list[Element] = field(default_factory=list)


class _Tree(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.all: list[Element] = []
        self.open: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        if self.open:
            self.open[-1].children.append(element)
        self.all.append(element)
        if tag not in VOID:
            self.open.append(element)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.open) - 1, -1, -1):
            if self.open[i].tag == tag:
                del self.open[i:]
                return

    def handle_data(self, data: str) -> None:
        for element in self.open:
            element.text += data


def elements(html: str) -> list[Element]:
    tree = _Tree()
    tree.feed(html)
    return tree.all


def by_id(html: str) -> dict[str, Element]:
    return {e.attrs["id"]: e for e in elements(html) if "id" in e.attrs}


def described_by(html: str, element_id: str) -> str:
    """The text that aria-describedby gives the element, as assistive technology reads it."""
    ids = by_id(html)
    refs = ids[element_id].attrs.get("aria-describedby", "").split()
    return " ".join(" ".join(ids[ref].text.split()) for ref in refs)


def label_of(html: str, element_id: str) -> str:
    for e in elements(html):
        if e.tag == "label" and e.attrs.get("for") == element_id:
            return " ".join(e.text.split())
    raise AssertionError(f"no label for {element_id}")
