"""axe-core inside the page under test: WCAG 2.x A/AA rules, serious and critical violations only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def axe_violations(page: Any) -> list[str]:
    """``rule: targets`` for each serious or critical violation on the page as it is now.

    The pages' CSP (rightly) refuses an injected <script> tag, so axe-core's source is evaluated through
    the DevTools protocol instead, leaving the CSP of the page under test in force.
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;true")
    result = page.evaluate("""async (tags) => {
        const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
        return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                           .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '));
    }""", WCAG_TAGS)
    return list(result)
