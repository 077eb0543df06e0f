"""Test-side LMS platforms the tool's suite launches from.

``StrictPlatform`` is ours and checks everything a certified platform would; ``ThirdPartyPlatform`` drives
the independent ``lti1p3platform`` package as an interoperability peer. Both serve their keys and
configuration over real HTTP on 127.0.0.1 only.
"""
