"""A throw-away self-signed certificate for the CONNECT tunnels, made at start-up (no files in the repo).

Crawlers that verify certificates would reject it; Scrapy does not verify by default, and tests use
an unverified ssl context. That is the one difference from the real web, and it is on purpose.
"""
from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import tempfile
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def server_context(hosts: list[str], workdir: str | Path | None = None) -> tuple[ssl.SSLContext, tempfile.TemporaryDirectory | None]:
    """An SSL server context whose certificate names every demo host (and *.daklak.gov.vn)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "demoweb.invalid"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "chuyenmuc demo web (self-signed)")])
    sans: list[x509.GeneralName] = [x509.DNSName(h) for h in sorted(set(hosts))]
    sans += [x509.DNSName("*.daklak.gov.vn"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName(sans), critical=False)
            .sign(key, hashes.SHA256()))
    tmp = None
    if workdir is None:
        tmp = tempfile.TemporaryDirectory(prefix="demoweb-tls-")
        workdir = tmp.name
    d = Path(workdir)
    (d / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (d / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                  serialization.NoEncryption()))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(d / "cert.pem", d / "key.pem")
    return ctx, tmp
