"""deploy/nginx/skillbite.conf: TLS, HSTS and the forwarded headers the app relies on; `nginx -t` if present."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from .files import DEPLOY

SITE = DEPLOY / "nginx" / "skillbite.conf"


def text() -> str:
    return "\n".join(line.split("#", 1)[0] for line in SITE.read_text().splitlines())


def test_plain_http_redirects_to_https():
    assert re.search(r"listen 80;.*?return 301 https://\$host\$request_uri;", text(), re.S)


def test_https_server_has_a_certificate_and_modern_protocols():
    site = text()
    assert "listen 443 ssl" in site
    assert "ssl_certificate " in site and "ssl_certificate_key " in site
    assert "ssl_protocols TLSv1.2 TLSv1.3;" in site


def test_hsts_is_sent_on_every_response():
    assert re.search(r'add_header Strict-Transport-Security "max-age=\d{7,}[^"]*" always;', text())


def test_the_app_learns_the_scheme_host_and_client_from_the_proxy():
    site = text()
    for header in ("X-Forwarded-Proto $scheme", "X-Forwarded-For $proxy_add_x_forwarded_for", "Host $host"):
        assert f"proxy_set_header {header};" in site


def test_the_access_log_leaves_out_query_strings_and_referers():
    formats = re.findall(r"log_format\s+\S+\s+((?:'[^']*'\s*)+);", text())
    assert formats and all("$request " not in f and "$request_uri" not in f and "$http_referer" not in f
                           for f in formats)
    assert "$uri" in formats[0]


def test_metrics_are_not_served_to_the_internet():
    block = re.search(r"location = /metrics \{(.*?)\}", text(), re.S)
    assert block and "deny all;" in block.group(1)


def nginx_binary() -> str | None:
    # scripts/setup --test unpacks Debian's nginx into .cache/nginx (no service is installed).
    unpacked = Path(__file__).resolve().parents[2] / ".cache" / "nginx" / "usr" / "sbin" / "nginx"
    candidates = [os.environ.get("SKILLBITE_TEST_NGINX"), shutil.which("nginx"), "/usr/sbin/nginx", str(unpacked)]
    return next((c for c in candidates if c and Path(c).is_file() and os.access(c, os.X_OK)), None)


def self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "skillbite.example.com")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.mark.skipif(nginx_binary() is None,
                    reason="no nginx: run scripts/setup --test (unpacks it), or set SKILLBITE_TEST_NGINX=path")
def test_nginx_accepts_the_configuration(tmp_path):
    # A private prefix: the site inside a minimal http block, every path nginx writes under tmp_path.
    cert, key = self_signed(tmp_path)
    site = (SITE.read_text().replace("/etc/ssl/skillbite/fullchain.pem", str(cert))
            .replace("/etc/ssl/skillbite/privkey.pem", str(key)).replace("/var/log/nginx/", f"{tmp_path}/"))
    (tmp_path / "site.conf").write_text(site)
    temp = {name: tmp_path / name for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\nhttp {{\n"
        f"  access_log {tmp_path}/access.log;\n"
        + "".join(f"  {name}_temp_path {path};\n" for name, path in temp.items())
        + f"  include {tmp_path}/site.conf;\n}}\n")
    done = subprocess.run([str(nginx_binary()), "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "test is successful" in done.stderr
