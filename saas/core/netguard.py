"""Keeping outbound requests (webhooks) away from private networks: server-side request forgery.

A URL is checked when it is registered, and again on every connection: :class:`GuardedBackend`
resolves the host itself, refuses if any address it resolves to is not public, and connects to
an address it checked, so a name that changes its answer after registration (DNS rebinding) or
a redirect cannot reach inside. TLS still verifies the certificate against the host name.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import httpcore

NAT64 = ipaddress.ip_network("64:ff9b::/96")  # well-known prefix: the IPv4 address is the low 32 bits
NOT_GLOBAL_V6 = tuple(ipaddress.ip_network(n) for n in (
    "64:ff9b:1::/48",  # NAT64 local use
    "fec0::/10",  # site-local (deprecated, still routed inside some networks)
    "::ffff:0:0:0/96",  # IPv4-translated
    "5f00::/16",  # SRv6 SIDs
))  # ranges some Python versions still call global
TEREDO = ipaddress.ip_network("2001::/32")
IPv4_COMPATIBLE = ipaddress.ip_network("::/96")
IETF_PROTOCOL = ipaddress.ip_network("192.0.0.0/24")  # not global, though some Pythons say otherwise


class BlockedAddress(httpcore.ConnectError):
    """The URL's host is, or resolves to, an address outside the public internet."""


def blocked_because(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why ``address`` may not be connected to, or None if it is a public unicast address."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            reason = blocked_because(embedded)
            return f"{reason} (embedded in {address})" if reason else None
        if address in TEREDO:
            return f"{address} is a Teredo tunnel address"
        if any(address in network for network in NOT_GLOBAL_V6):
            return f"{address} is not a public address"
    if address in IETF_PROTOCOL:
        return f"{address} is reserved for protocol assignments"
    if address.is_multicast:
        return f"{address} is a multicast address"
    if not address.is_global:
        return f"{address} is not a public address"
    return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address inside an IPv4-mapped, IPv4-compatible, 6to4 or NAT64 address."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in NAT64 or (address in IPv4_COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (numeric spellings such as ``2130706433`` included)."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise BlockedAddress(f"{host} does not resolve: {error}") from None
    return list(dict.fromkeys(info[4][0] for info in found))


def public_addresses(host: str, port: int) -> list[str]:
    """The addresses of ``host``, if every one of them is public; else :class:`BlockedAddress`."""
    addresses = resolve(host, port)
    for address in addresses:
        reason = blocked_because(ipaddress.ip_address(address.split("%")[0]))
        if reason:
            raise BlockedAddress(f"{host} resolves to {address}: {reason}")
    return addresses


def check_url(url: str, *, allow_private: bool) -> str | None:
    """Why ``url`` cannot receive webhooks, or None. Only http(s), no credentials in the URL, and
    (unless ``allow_private``) a host that resolves to public addresses only."""
    if not url.isascii():
        return "Write the URL in ASCII: punycode for an international name, percent-encoding for the path."
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        return f"Not a valid URL: {error}."
    if port == 0:
        return "Port 0 cannot receive webhooks."
    port = port or (443 if parts.scheme == "https" else 80)
    if parts.scheme not in ("http", "https"):
        return "Only http and https URLs can receive webhooks."
    if not parts.hostname:
        return "The URL has no host."
    if parts.username is not None or parts.password is not None:
        return "Put no user name or password in the URL."
    if allow_private:
        return None
    try:
        public_addresses(parts.hostname, port)
    except BlockedAddress as error:
        return f"{error}."
    return None


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore's network backend, connecting only to addresses it has checked itself."""

    def __init__(self, *, allow_private: bool = False):
        self.allow_private = allow_private
        self._backend = httpcore.SyncBackend()

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        addresses = resolve(host, port) if self.allow_private else public_addresses(host, port)
        error = None
        for address in addresses:
            try:
                return self._backend.connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as failed:
                error = failed
        raise error or BlockedAddress(f"{host} has no address")

    def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise BlockedAddress("webhooks are sent over TCP only")

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)
