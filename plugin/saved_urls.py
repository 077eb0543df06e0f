"""Whether a URL an administrator saves is one Skillbite will call, said when it is saved.

The outbound policy (:mod:`lti.outbound`) refuses loopback, link-local, private and reserved addresses
when a request is made. A platform's token and keyset URLs and an LRS endpoint are typed once and called
for months, so the console forms and the CLI commands that save them ask here first: the administrator
learns at once, beside the field, what is wrong and what to do, rather than from a parked message later.
Every place that saves such a URL uses :func:`saving_problem`, so the rule and its words are the same.
"""

from __future__ import annotations

from lti.outbound import LINK_LOCAL, LOOPBACK, MULTICAST, PRIVATE, UNSPECIFIED, OutboundPolicy, OutboundRefused

DOCS = "see docs/operations.md, 'Which addresses Skillbite calls'"


def saving_problem(policy: OutboundPolicy, url: str) -> str | None:
    """What is wrong with saving ``url`` and what to do, or None when the policy would call it.

    A host that does not resolve here passes: it may be reachable only from production, and the check
    made before each request still applies. A URL that is not http(s) or names no host passes too: each
    form and command already says that in its own words (the field's example, the option's name).
    """
    try:
        policy.check(url)
    except OutboundRefused as refused:
        if not refused.kind:
            return None
        return _worded(policy, refused)
    return None


def _worded(policy: OutboundPolicy, refused: OutboundRefused) -> str:
    where = refused.address if refused.host == refused.address else f"{refused.host} is {refused.address}"
    peer = policy.peer
    if refused.kind == PRIVATE:
        return (f"This address is on a private network ({where}). Skillbite only calls private networks when "
                f"{policy.private_setting}=1 is set; {DOCS}.")
    if refused.kind == LOOPBACK:
        rule = policy.loopback_rule[:1].upper() + policy.loopback_rule[1:]
        return (f"This address is this machine itself ({where}). {rule}: give the address at which this "
                f"server reaches the {peer}; {DOCS}.")
    what, why = {LINK_LOCAL: ("link-local", ", where cloud metadata services answer"),
                 UNSPECIFIED: ("unspecified", ", which reaches this machine"),
                 MULTICAST: ("multicast", "")}.get(refused.kind, ("reserved for special purposes", ""))
    return (f"This address is {what} ({where}){why}; Skillbite never calls it. Give the {peer}'s own address; "
            f"{DOCS}.")
