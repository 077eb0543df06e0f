"""Validating the id_token of an LTI launch (Security Framework 1.0 §5.1.3, LTI Core 1.3 §5).

Every failed rule is a :class:`LaunchError` with its own ``code``. The checks run in the order of
Security Framework §5.1.3: algorithm, issuer and audience, signature, time, nonce; then the
deployment (LTI Core §5.3.3) and the LTI claims (:mod:`lti.launch_claims`). No message ever contains
the token itself.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from lti.claims import DEPLOYMENT_ID
from lti.clock import Clock, system_clock
from lti.errors import LaunchError
from lti.jws import parse_unverified
from lti.keys import PlatformKeys
from lti.launch_claims import MAX_ID_LENGTH, build_message, check_lti_claims
from lti.message import LaunchMessage
from lti.storage import DeploymentPolicy, LaunchStateStore, PlatformRegistration, RegistrationLookup

# The platform keys are RSA (Security Framework §6.1); ``none``, HS* and EC algorithms never reach a key.
RSA_ALGORITHMS = frozenset({"RS256", "RS384", "RS512"})


def _short(value: object) -> str:
    return repr(value)[:120]


def _check_state(state_data: Mapping[str, Any] | None) -> Mapping[str, Any]:
    if state_data is None:
        raise LaunchError(
            "invalid_state",
            "The launch's state is unknown, expired or already used.",
            "The browser may have blocked the tool's cookie in the LMS iframe: open the tool in a new "
            "window, or allow third-party cookies; a launch must also finish within the login time limit.",
        )
    return state_data


def _check_algorithm(header: Mapping[str, Any]) -> str:
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in RSA_ALGORITHMS:
        raise LaunchError(
            "unsupported_alg",
            f"The id_token is signed with algorithm {_short(alg)}; only RSA signatures are accepted.",
            "The platform must sign launches with RS256 (Security Framework 1.0 §6.1).",
        )
    return alg


def _find_registration(
    payload: Mapping[str, Any], state: Mapping[str, Any], registrations: RegistrationLookup
) -> PlatformRegistration:
    """Security Framework §5.1.3 step 2: ``iss`` MUST exactly match the issuer the login started with."""
    iss = payload.get("iss")
    if not isinstance(iss, str) or iss != state.get("iss"):
        raise LaunchError(
            "wrong_issuer",
            f"The id_token issuer {_short(iss)} is not the issuer the login started with.",
            "Check that the platform sends the same issuer in the login request and the id_token.",
        )
    registration = registrations.find_registration(iss, state.get("client_id"))
    if registration is None:
        raise LaunchError(
            "wrong_issuer",
            f"No enabled registration exists for issuer {_short(iss)}.",
            "The registration may have been disabled or removed since the login started.",
        )
    return registration


def _check_audience(payload: Mapping[str, Any], client_id: str) -> None:
    """Security Framework §5.1.3 steps 3-4: ``aud`` contains the client_id; ``azp`` when needed."""
    aud = payload.get("aud")
    audiences = [aud] if isinstance(aud, str) else aud
    if not isinstance(audiences, list) or client_id not in audiences:
        raise LaunchError(
            "wrong_audience",
            "The id_token audience does not contain this tool's client_id.",
            f"Check the client_id registered in Skillbite ({client_id!r}) against the platform's.",
        )
    azp = payload.get("azp")
    if azp is None and len(audiences) > 1:
        raise LaunchError(
            "missing_azp",
            "The id_token has several audiences but no authorized party (azp).",
            "With several audiences the platform must name this tool's client_id in azp.",
        )
    if azp is not None and azp != client_id:
        raise LaunchError(
            "wrong_azp",
            f"The id_token's authorized party {_short(azp)} is not this tool's client_id.",
            f"Check the client_id registered in Skillbite ({client_id!r}) against the platform's.",
        )


_HASHES: dict[str, hashes.HashAlgorithm] = {"RS256": hashes.SHA256(), "RS384": hashes.SHA384(),
                                            "RS512": hashes.SHA512()}


def _verify_signature(id_token: str, key: RSAPublicKey, alg: str) -> None:
    """RFC 7515 §5.2 with RSASSA-PKCS1-v1_5 (RFC 7518 §3.3) over the exact signing input.

    :func:`lti.jws.parse_unverified` has already checked the three base64url segments, so this is
    the signature check alone, done once with the key chosen by ``kid``.
    """
    signing_input, _, signature = id_token.rpartition(".")
    try:
        key.verify(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)),
                   signing_input.encode("ascii"), padding.PKCS1v15(), _HASHES[alg])
    except (InvalidSignature, ValueError):
        raise LaunchError(
            "bad_signature",
            "The id_token signature does not verify with the platform's key.",
            "Check the registration's JWKS URL: it must be the key set the platform signs with.",
        ) from None


def _numeric_claim(payload: Mapping[str, Any], name: str) -> float:
    value = payload.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise LaunchError(
            "missing_claim",
            f"The id_token has no numeric {name!r} claim.",
            "Security Framework 1.0 §5.1.2 requires exp and iat in every id_token.",
        )
    return float(value)


def _check_times(payload: Mapping[str, Any], now: float, leeway: int) -> None:
    """Security Framework §5.1.3 steps 7-8, with ``leeway`` seconds for clock skew."""
    exp = _numeric_claim(payload, "exp")
    iat = _numeric_claim(payload, "iat")
    if now > exp + leeway:
        raise LaunchError(
            "expired",
            "The id_token has expired.",
            "Check the platform server's clock, or retry the launch from the LMS.",
        )
    if iat > now + leeway:
        raise LaunchError(
            "issued_in_future",
            "The id_token was issued in the future.",
            "The platform's and the tool's clocks disagree; check NTP on both servers.",
        )
    nbf = payload.get("nbf")
    if isinstance(nbf, int | float) and not isinstance(nbf, bool) and nbf > now + leeway:
        raise LaunchError(
            "not_yet_valid",
            "The id_token is not valid yet (nbf).",
            "The platform's and the tool's clocks disagree; check NTP on both servers.",
        )


def _check_nonce(
    payload: Mapping[str, Any], state: Mapping[str, Any], states: LaunchStateStore, ttl: int
) -> None:
    """Security Framework §5.1.3 step 9: the nonce is the one sent at login, and is used only once."""
    nonce = payload.get("nonce")
    if not isinstance(nonce, str) or not nonce:
        raise LaunchError(
            "missing_claim",
            "The id_token has no 'nonce' claim.",
            "The platform must echo the nonce of the authentication request (Security Framework §5.1.2).",
        )
    if nonce != state.get("nonce"):
        raise LaunchError(
            "nonce_mismatch",
            "The id_token's nonce is not the one this login sent.",
            "Another login may have overwritten this one; retry the launch from the LMS.",
        )
    if not states.use_nonce(str(payload["iss"]), nonce, ttl):
        raise LaunchError(
            "replayed",
            "This id_token has already been used.",
            "Each launch can be used once; start it again from the LMS.",
        )


def _check_deployment(
    payload: Mapping[str, Any],
    state: Mapping[str, Any],
    registration: PlatformRegistration,
    registrations: RegistrationLookup,
) -> tuple[str, bool]:
    """LTI Core 1.3 §5.3.3: (deployment_id, whether it must be recorded as newly seen)."""
    deployment_id = payload.get(DEPLOYMENT_ID)
    if not isinstance(deployment_id, str) or not deployment_id:
        raise LaunchError(
            "missing_deployment_id",
            "The id_token has no deployment_id claim.",
            "LTI Core 1.3 §5.3.3 requires the deployment_id claim in every launch.",
        )
    if len(deployment_id) > MAX_ID_LENGTH or not deployment_id.isascii():
        raise LaunchError(
            "invalid_deployment_id",
            f"The deployment_id is not up to 255 ASCII characters (it has {len(deployment_id)} characters).",
            "LTI Core 1.3 §5.3.3: a deployment_id MUST NOT exceed 255 ASCII characters. Check the LMS's "
            "deployment settings for this tool.",
        )
    expected = state.get("deployment_id")
    if expected is not None and expected != deployment_id:
        # LTI Core §4.1: lti_deployment_id at login MUST match the launch's deployment_id.
        raise LaunchError(
            "deployment_mismatch",
            "The deployment_id differs from the lti_deployment_id of the login request.",
            "Check the deployment configuration in the platform.",
        )
    if registrations.deployment_known(registration, deployment_id):
        return deployment_id, False
    if registration.deployment_policy is DeploymentPolicy.RECORD_FIRST_SEEN:
        return deployment_id, True
    raise LaunchError(
        "unknown_deployment",
        f"Deployment {deployment_id[:120]!r} is not registered for this platform.",
        "An administrator must add this deployment_id to the platform's registration in Skillbite.",
    )



# A platform's id_tokens live minutes; one valid for longer still finds its nonce used for a day, and its
# state, which is single use, was spent at the first launch anyway.
MAX_NONCE_SECONDS = 86_400


def validate_launch(
    id_token: str,
    state_data: Mapping[str, Any] | None,
    *,
    registrations: RegistrationLookup,
    keys: PlatformKeys,
    states: LaunchStateStore,
    clock: Clock = system_clock,
    leeway_seconds: int = 60,
    nonce_ttl_seconds: int = 3600,
) -> LaunchMessage:
    """Check a launch's id_token completely and return the :class:`LaunchMessage`.

    ``state_data`` is what the web layer took from the state store after checking that the state
    belongs to this browser; None means the state was missing, expired or already used.
    """
    state = _check_state(state_data)
    header, payload = parse_unverified(id_token)
    alg = _check_algorithm(header)
    registration = _find_registration(payload, state, registrations)
    _check_audience(payload, registration.client_id)
    if alg != registration.algorithm:
        raise LaunchError(
            "unsupported_alg",
            f"The id_token is signed with {alg}, but this platform is registered with "
            f"{registration.algorithm}.",
            "Check the signing algorithm in the platform's registration.",
        )
    kid = header.get("kid")
    key = keys.public_key(registration, kid if isinstance(kid, str) else None)
    _verify_signature(id_token, key, alg)
    now = clock()
    _check_times(payload, now, leeway_seconds)
    # The used nonce is kept at least as long as the token could still be accepted, so a purge of expired
    # nonces can never let a long-lived id_token through twice.
    keep = max(nonce_ttl_seconds, math.ceil(min(float(payload["exp"]) - now, MAX_NONCE_SECONDS)) + leeway_seconds)
    _check_nonce(payload, state, states, keep)
    deployment_id, first_seen = _check_deployment(payload, state, registration, registrations)
    check_lti_claims(payload)
    if first_seen:
        registrations.record_deployment(registration, deployment_id)
    return build_message(payload, registration, deployment_id, first_seen_deployment=first_seen)
