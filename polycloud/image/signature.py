"""Cosign key-based signatures ("simple signing"), checked against an image digest.

Cosign stores the signatures of ``repo@sha256:<hex>`` as the manifest tagged ``sha256-<hex>.sig`` in the
same repository. Each layer of that manifest is a JSON payload naming the signed digest
(``critical.image.docker-manifest-digest``), with its signature (base64 DER ECDSA over the payload's
SHA-256) in the ``dev.cosignproject.cosign/signature`` annotation. A signature counts when the payload
blob matches its digest, names the image's digest, and verifies with the policy's public key.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from polycloud.image.manifest import ImageError, descriptors, digest_of, parse_json

if TYPE_CHECKING:
    from polycloud.image.image import ImageStore

__all__ = ["SIGNATURE_ANNOTATION", "SIMPLE_SIGNING", "SignaturePolicy", "signature_tag", "verify_signature"]

SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature"
SIMPLE_SIGNING = "application/vnd.dev.cosign.simplesigning.v1+json"


def signature_tag(digest: str) -> str:
    """``sha256:<hex>`` -> ``sha256-<hex>.sig``: the tag cosign stores the signatures under."""
    return digest.replace(":", "-", 1) + ".sig"


@dataclass(frozen=True)
class SignaturePolicy:
    """Require a valid cosign signature made with the private half of ``public_key`` (PEM)."""

    public_key: bytes
    key_name: str = "the policy key"

    @classmethod
    def from_file(cls, path: str | Path) -> SignaturePolicy:
        """A policy from a PEM public key file (``cosign.pub``).

        Raises:
            ImageError: the file cannot be read or holds no supported public key.
        """
        try:
            pem = Path(path).read_bytes()
        except OSError as exc:
            raise ImageError(f"cannot read the cosign public key {path}: {exc.strerror or exc}") from None
        policy = cls(pem, str(path))
        policy.load_key()
        return policy

    def load_key(self) -> Any:
        """The public key object.

        Raises:
            ImageError: not a PEM public key of a kind cosign uses (ECDSA, RSA, Ed25519).
        """
        from cryptography.hazmat.primitives.serialization import load_pem_public_key

        try:
            return load_pem_public_key(self.public_key)
        except (ValueError, TypeError) as exc:
            raise ImageError(f"{self.key_name} is not a PEM public key: {exc}") from None


def _verified(key: Any, signature: bytes, payload: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, payload, ec.ECDSA(hashes.SHA256()))
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, payload, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, payload)
        else:
            return False
    except InvalidSignature:
        return False
    return True


def _signed_digest(payload: bytes) -> str | None:
    try:
        document = json.loads(payload)
        value = document["critical"]["image"]["docker-manifest-digest"]
    except (ValueError, KeyError, TypeError):
        return None
    return value if isinstance(value, str) else None


def verify_signature(store: ImageStore, digest: str, policy: SignaturePolicy) -> str | None:
    """None when ``digest`` has a valid signature under ``policy`` in ``store``; else why not, in a sentence."""
    key = policy.load_key()
    tag = signature_tag(digest)
    try:
        raw, _ = store.manifest(tag)
    except ImageError:
        return f"no cosign signature: {store.where} has no {tag} manifest"
    reasons: list[str] = []
    manifest = parse_json(raw, f"{store.where}: {tag}")
    for layer in descriptors(manifest, "layers", f"{store.where}: {tag}"):
        encoded = layer.annotations.get(SIGNATURE_ANNOTATION)
        if layer.media_type != SIMPLE_SIGNING or not encoded:
            continue
        payload = store.blob(layer.digest)
        if digest_of(payload) != layer.digest:
            reasons.append(f"payload {layer.digest} does not match its digest")
            continue
        signed = _signed_digest(payload)
        if signed != digest:
            reasons.append(f"a signature is for {signed or 'no digest'}, not {digest}")
            continue
        try:
            signature = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            reasons.append("a signature annotation is not base64")
            continue
        if _verified(key, signature, payload):
            return None
        reasons.append(f"a signature does not verify with {policy.key_name}")
    if not reasons:
        return f"{tag} holds no cosign simple-signing layer"
    return "; ".join(dict.fromkeys(reasons))
