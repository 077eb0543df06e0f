"""The console's "Add an LRS" form: its fields, and every problem said beside its field at once.

The same pattern as the platform forms (:mod:`plugin.admin.platform_form`): what the form can check, it
checks here, each in words that say what to enter; what only the service knows (another LRS already
serves that scope, a platform that is gone) comes back as a problem of the whole form.
"""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from lti.outbound import OutboundPolicy
from plugin.admin.platform_form import Field, field_problem
from plugin.platforms.services import column_length
from plugin.saved_urls import saving_problem
from plugin.web.numbers import whole_number
from plugin.xapi.models import LrsDestination
from plugin.xapi.services import BATCH_SIZE_MAX

NAME = Field("name", "Name", "How this console names the LRS, e.g. Acme Learning Locker. Optional: the endpoint "
             "otherwise.", max_length=column_length(LrsDestination, "name"))
ENDPOINT = Field("endpoint", "xAPI endpoint", "Where the LRS answers xAPI requests; the LRS shows it with its key "
                 "and secret.", "https://lrs.example.com/xapi/", column_length(LrsDestination, "endpoint"))
USERNAME = Field("username", "Key (Basic auth username)", "The client key the LRS made for Skillbite.",
                 max_length=column_length(LrsDestination, "username"))
PASSWORD = Field("password", "Secret (Basic auth password)", "The secret that goes with the key. It is stored "
                 "encrypted and never shown again.")
DEPLOYMENT = Field("deployment_id", "Only for deployment id", "Leave empty to serve every deployment of the "
                   "platform.", max_length=column_length(LrsDestination, "deployment_id"))
BATCH_SIZE = Field("batch_size", "Statements per request", f"1 to {BATCH_SIZE_MAX}; 200 suits most LRSs.")
DEFAULT_BATCH_SIZE = "200"


def problems(form: MultiDict[str, str], policy: OutboundPolicy) -> dict[str, str]:
    """Field name → what to enter instead, for every problem at once."""
    found: dict[str, str] = {}
    endpoint = form.get("endpoint", "").strip()
    if problem := field_problem(ENDPOINT, endpoint) or saving_problem(policy, endpoint):
        found["endpoint"] = problem
    if not form.get("username", "").strip():
        found[USERNAME.name] = "Enter the key (Basic auth username) the LRS made for Skillbite."
    # Optional or free-text fields: only their length can be wrong here.
    for field in (NAME, USERNAME, DEPLOYMENT):
        value = form.get(field.name, "").strip()
        if value and (problem := field_problem(field, value)):
            found[field.name] = problem
    if not form.get(PASSWORD.name, ""):
        found[PASSWORD.name] = "Enter the secret (Basic auth password) that goes with the key."
    if batch_size(form) is None:
        found["batch_size"] = f"Statements per request must be a whole number from 1 to {BATCH_SIZE_MAX}."
    raw_platform = form.get("platform_id", "").strip()
    if raw_platform and whole_number(raw_platform) is None:
        found["platform_id"] = "Choose the platform from the list."
    return found


def default_name(form: MultiDict[str, str]) -> str:
    """The name of an LRS added without one: its endpoint, cut to what a name holds."""
    return form.get("endpoint", "").strip()[: NAME.max_length]


def batch_size(form: MultiDict[str, str]) -> int | None:
    return whole_number(form.get("batch_size", "").strip() or DEFAULT_BATCH_SIZE, 1, BATCH_SIZE_MAX)
