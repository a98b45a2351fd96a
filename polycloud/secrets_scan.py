"""Judge a value by its shape: does it look like a credential?

``secret_kind(value)`` names the kind of credential a value looks like (or None), ``secret_spans``
finds where, and ``scrub(text)`` hides every such span in free text (notes, error messages).

What is detected:

* Known key formats, through the regular expressions of Yelp's `detect-secrets
  <https://github.com/Yelp/detect-secrets>`_ plugins: AWS access key ids (AKIA/ASIA...), GitHub
  tokens (ghp_/gho_/ghu_/ghs_/ghr_), GitLab tokens, Stripe live keys (sk_live_/rk_live_), Slack
  tokens and webhooks, private-key blocks, JWTs (formally valid ones), Azure storage keys, OpenAI,
  SendGrid, Twilio, Mailchimp, PyPI, Discord, Telegram, Square, Artifactory and IBM keys.
* Formats detect-secrets 1.5 lacks, added here: GitHub fine-grained PATs (``github_pat_``), Google
  API keys (``AIza...``), npm tokens (``npm_``), Stripe test keys, credentials in a URL
  (``scheme://user:pass@host`` and DSNs whose user part is a key, such as Sentry's
  ``https://<key>@o1.ingest.sentry.io/2``), inline connection-string keys (``AccountKey=``,
  ``SharedAccessSignature=``, ``Password=``) and ``Authorization``-style values (``Bearer ...``, ``Basic ...``).
* Long high-entropy strings (a bare AWS secret access key, random API keys): runs of 20 or more
  base64/URL-safe characters that mix letters and digits, are not made of words (``camelCase``,
  ``snake_case``, paths of words) and whose Shannon entropy is above 4.5 bits (detect-secrets'
  default) or, for runs shorter than about 40 characters, above log2(length) - 0.7 bits; runs of
  32 or more hex digits above 3.0 bits (detect-secrets' default). Entropy is computed with
  detect-secrets' own function. Measured on random alphanumerics: about 96% are caught at 20
  characters, 95% at 32, 97% at 40; a shorter random password is caught only by its name.

What is deliberately not flagged by shape (false-positive choices): URLs without a password,
``user@host`` with a short user (``ssh://git@host``), image references including ``@sha256:``
digests, ARNs, Azure resource ids and Key Vault URIs, region names, short words, numbers, and
UUIDs (subscription ids and request ids are UUIDs; a UUID used as a key is caught only by its
setting's name). A 40- or 64-digit hex string (a commit SHA, an HMAC key) *is* flagged: it cannot
be told from a key, and hiding a commit SHA in a plan costs little.

Why detect-secrets: it is the maintained, widely used catalogue of key formats (each plugin cites
the vendor's format), so new formats arrive with its releases rather than with ours. Only its
plugin classes are used, through ``analyze_string`` (no baseline, no settings, no verification,
no network). It imports ``requests`` (about 90 ms), so it is imported lazily, on the first value
judged: ``import polycloud`` stays fast and a spec without environment values never pays for it.
Its keyword plugin (which judges ``password = ...`` in source code) and public-IP plugin are not
used: names are judged in ``polycloud.redact`` and an IP address is not a credential. Its npm plugin
(``.npmrc`` lines) is replaced by the ``npm_`` token format: its pattern takes quadratic time on long
runs of slashes. The plugins' patterns are anchored where a token starts (no letter, digit, ``_`` or
``-`` before), so a hostile value of repeated prefixes (``-eyJ-eyJ...``) is scanned in linear
time. Its basic-auth plugin is replaced by the URL rule here, which also catches key-only DSNs and
hides only the credential part of the URL. detect-secrets is a core dependency, not an extra:
redaction that silently got weaker when an extra is missing would be a leak. (Version 1.5.0 is from
May 2024; the plugin list above is explicit, so a renamed plugin in a later release is skipped
rather than breaking polycloud, and the tests of ``tests/test_secrets_scan.py`` would show the loss.)
"""

from __future__ import annotations

import functools
import importlib
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["REDACTED", "scrub", "secret_kind", "secret_spans"]

REDACTED = "<redacted>"

# (module, class) of the detect-secrets plugins used; see the module docstring.
_PLUGINS = (
    ("aws", "AWSKeyDetector"), ("artifactory", "ArtifactoryDetector"),
    ("azure_storage_key", "AzureStorageKeyDetector"), ("cloudant", "CloudantDetector"),
    ("discord", "DiscordBotTokenDetector"), ("github_token", "GitHubTokenDetector"),
    ("gitlab_token", "GitLabTokenDetector"), ("ibm_cloud_iam", "IbmCloudIamDetector"),
    ("ibm_cos_hmac", "IbmCosHmacDetector"), ("jwt", "JwtTokenDetector"), ("mailchimp", "MailchimpDetector"),
("openai", "OpenAIDetector"), ("private_key", "PrivateKeyDetector"),
    ("pypi_token", "PypiTokenDetector"), ("sendgrid", "SendGridDetector"), ("slack", "SlackDetector"),
    ("softlayer", "SoftlayerDetector"), ("square_oauth", "SquareOAuthDetector"), ("stripe", "StripeDetector"),
    ("telegram_token", "TelegramBotTokenDetector"), ("twilio", "TwilioKeyDetector"),
)

# A URL scheme, starting where no scheme character precedes it (so a long run of letters is tried once,
# not from each of its positions: the scan stays linear).
_SCHEME = r"(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{0,31}://"

# Formats detect-secrets 1.5 does not know. Group 1, when present, is the part to hide.
_EXTRA: tuple[tuple[str, re.Pattern[str]], ...] = (
    # https://github.blog/security/application-security/introducing-fine-grained-personal-access-tokens-for-github/
    ("GitHub fine-grained token", re.compile(r"github_pat_[A-Za-z0-9_]{22,}")),
    # https://cloud.google.com/docs/authentication/api-keys
    ("Google API key", re.compile(r"AIza[0-9A-Za-z_-]{35}")),
    # https://github.blog/changelog/2021-09-23-npm-has-a-new-access-token-format/ (detect-secrets' npm
    # plugin looks for .npmrc lines with a pattern that takes quadratic time on long runs of slashes)
    ("npm token", re.compile(r"\bnpm_[A-Za-z0-9]{36}")),
    # https://docs.stripe.com/keys
    ("Stripe key", re.compile(r"\b[rs]k_(?:live|test)_[0-9a-zA-Z]{16,}")),
    # scheme://user:password@host (RFC 3986 userinfo) and scheme://KEY@host DSNs (Sentry and alike).
    ("password in a URL", re.compile(_SCHEME + r"([^\s/@:]*:[^\s/@]+)@")),
    ("key in a DSN", re.compile(_SCHEME + r"([A-Za-z0-9_-]{16,})@")),
    ("connection-string key", re.compile(
        r"(?i)\b(?:AccountKey|SharedAccessSignature|SharedAccessKey|Password|Pwd)=([^;\s]+)")),
    # An HTTP scheme, then a credential with a digit in it (so prose such as "token exchange" is left alone).
    ("authorization header", re.compile(
        r"\b(?:[Bb]earer|Basic|Token)\s+((?=[A-Za-z._~+/=-]*[0-9])[A-Za-z0-9._~+/=-]{8,})")),
    # The whole block: PEM base64 holds no '-', so [^-]* stops at the END line (and the scan stays linear).
    ("private key", re.compile(r"-----BEGIN [A-Z ]{0,40}PRIVATE KEY(?: BLOCK)?-----[^-]*"
                               r"(?:-----END [A-Z ]{0,40}PRIVATE KEY(?: BLOCK)?-----)?")),
)

# Never judged by entropy: digests (image@sha256:...) and UUIDs (ids, not keys).
_NOT_KEYS = re.compile(r"sha(?:1|224|256|384|512):[0-9a-fA-F]{32,}|"
                       r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")
_B64_RUN = re.compile(r"[A-Za-z0-9+/=_-]{20,}")
_HEX = re.compile(r"[0-9a-fA-F]{32,}")
# Pieces of an identifier: Capitalised or lower words, ACRONYMS, numbers, separators.
_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]{2,}(?![a-z])|[0-9]+|[-_./=+]")
_B64_LIMIT, _HEX_LIMIT = 4.5, 3.0  # detect-secrets' defaults for its entropy plugins


@dataclass(frozen=True)
class _Detector:
    """One detect-secrets plugin, with its patterns made to start only where a token starts."""

    kind: str
    plugin: Any
    patterns: tuple[re.Pattern[str], ...]


# A match starts where no token character precedes it: a run like ``-eyJ-eyJ-eyJ...`` is then tried
# from its first position only, which keeps the scan linear on hostile input.
_TOKEN_START = r"(?<![A-Za-z0-9_-])"


@functools.cache
def _detectors() -> tuple[_Detector, ...]:
    """The detect-secrets plugins, imported on first use (it pulls in ``requests``)."""
    found = []
    for module, name in _PLUGINS:
        try:
            plugin = getattr(importlib.import_module(f"detect_secrets.plugins.{module}"), name)()
        except (ImportError, AttributeError):  # a plugin renamed in a later release: the others still work
            continue
        patterns = tuple(re.compile(f"{_TOKEN_START}(?:{p.pattern})", p.flags) for p in plugin.denylist)
        found.append(_Detector(str(plugin.secret_type), plugin, patterns))
    return tuple(found)


@functools.cache
def _entropy() -> tuple[Any, Any]:
    from detect_secrets.plugins.high_entropy_strings import Base64HighEntropyString, HexHighEntropyString

    return Base64HighEntropyString(limit=_B64_LIMIT), HexHighEntropyString(limit=_HEX_LIMIT)


def _made_of_words(token: str) -> bool:
    """True for identifiers such as ``MyServiceName2024`` or ``resourceGroups/my-rg``: the token splits into
    words, acronyms, numbers and separators, and its words are not mostly one or two letters long."""
    pieces = _WORDS.findall(token)
    if sum(len(piece) for piece in pieces) != len(token):
        return False
    words = [piece for piece in pieces if piece.isalpha()]
    return not words or sum(len(word) for word in words) / len(words) >= 3.5


def _high_entropy(token: str) -> bool:
    b64, hexa = _entropy()
    if _HEX.fullmatch(token):
        return bool(hexa.calculate_shannon_entropy(token) > _HEX_LIMIT)
    # A key mixes digits with letters; words, camelCase names and paths made of them are not keys.
    characters = set(token)
    if not (any(c.isdigit() for c in characters) and any(c.isalpha() for c in characters)):
        return False
    if _made_of_words(token):
        return False
    # detect-secrets' 4.5 bits suits long quoted strings; a 20-character string cannot reach it
    # (at most log2(20) = 4.3 bits), so short tokens need log2(length) - 0.7 bits.
    limit = min(_B64_LIMIT, math.log2(len(token)) - 0.7)
    return bool(b64.calculate_shannon_entropy(token) > limit)


def secret_spans(value: str) -> Iterator[tuple[int, int, str]]:
    """``(start, end, kind)`` of every part of ``value`` that looks like a credential."""
    for detector in _detectors():
        for pattern in detector.patterns:
            for match in pattern.finditer(value):
                if any(detector.plugin.analyze_string(match.group(0))):  # e.g. a JWT must decode
                    yield match.start(), match.end(), detector.kind
    for kind, pattern in _EXTRA:
        for match in pattern.finditer(value):
            group = 1 if pattern.groups else 0
            yield match.start(group), match.end(group), kind
    masked = _NOT_KEYS.sub(lambda m: " " * len(m.group(0)), value)
    for match in _B64_RUN.finditer(masked):
        run = match.group(0)
        token = run.strip("=/")
        if len(token) >= 20 and _high_entropy(token):
            start = match.start() + len(run) - len(run.lstrip("=/"))
            yield start, start + len(token), "high-entropy string"


def secret_kind(value: str) -> str | None:
    """What kind of credential ``value`` looks like (``'Stripe Access Key'``...), or None."""
    if len(value) < 8:
        return None
    return next((kind for _, _, kind in secret_spans(value)), None)


def scrub(text: str) -> str:
    """``text`` with every credential-shaped part replaced by ``<redacted>``."""
    if len(text) < 8:
        return text
    if len(text) <= _CACHED_TEXT:
        return _scrub_cached(text)
    return _scrub(text)


_CACHED_TEXT = 4096
"""Messages up to this length are remembered: the same finding text recurs across files and providers (a rule's
fixed wording around the same values), and scanning one costs about 0.4 ms."""


@functools.lru_cache(maxsize=4096)
def _scrub_cached(text: str) -> str:
    return _scrub(text)


def _scrub(text: str) -> str:
    merged: list[list[int]] = []
    for start, end in sorted((start, end) for start, end, _ in secret_spans(text)):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, last = [], 0
    for start, end in merged:
        out += [text[last:start], REDACTED]
        last = end
    out.append(text[last:])
    return "".join(out)
