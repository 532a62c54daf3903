"""May this server call the address a visitor typed? Only a public one: not itself, its private
network, nor a cloud metadata service, judged after resolving the name as the client will.

Residual risk: the name is resolved again when the request is sent, so DNS rebinding can still
point a request inside; redirects are not followed for such servers (`models.get_model`).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

SCHEMES = {"http": 80, "https": 443}
# Names of cloud metadata services; refused by name too, whatever they resolve to here.
METADATA_HOSTS = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "metadata.azure.com",
        "instance-data",
        "instance-data.ec2.internal",
    }
)
# Metadata addresses that the ranges below might not cover on every Python version.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200")
)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class RefusedAddress(ValueError): ...


def _embedded(address: IPAddress) -> IPAddress:
    if isinstance(address, ipaddress.IPv6Address):
        inner = address.ipv4_mapped or address.sixtofour or (address.teredo or (None, None))[1]
        if inner is not None:
            return inner
    return address


def is_public(address: IPAddress) -> bool:
    # Private, loopback, link-local and unspecified addresses are never `is_global`.
    return not any(
        a in METADATA_ADDRESSES or not a.is_global or a.is_multicast or a.is_reserved
        for a in (address, _embedded(address))
    )


def check_public_url(url: str) -> list[IPAddress]:
    """The addresses `url`'s host resolves to, all public (the client may connect to
    any of them); raises `RefusedAddress` otherwise."""
    try:
        parts = urlsplit((url or "").strip())
        port = parts.port
    except ValueError as exc:
        raise RefusedAddress(f"That server address is not a valid URL ({exc}).") from None
    if parts.scheme.lower() not in SCHEMES:
        raise RefusedAddress("Only http:// and https:// server addresses can be used.")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise RefusedAddress("That server address has no host name.")
    inside = RefusedAddress(
        "That server address can't be used from here: it points at this machine, a "
        "private or reserved network, or a cloud metadata service. Use a public address."
    )
    if host in METADATA_HOSTS:
        raise inside
    try:
        found = socket.getaddrinfo(
            host, port or SCHEMES[parts.scheme.lower()], type=socket.SOCK_STREAM
        )
    except (OSError, UnicodeError):
        raise RefusedAddress("That server address's host name could not be found.") from None
    # Each address without an IPv6 scope ("%eth0").
    addresses = [ipaddress.ip_address(str(a[-1][0]).split("%", 1)[0]) for a in found]
    if not all(map(is_public, addresses)):
        raise inside
    if not addresses:
        raise RefusedAddress("That server address's host name could not be found.")
    return addresses
