"""The client's address: the socket peer, or what a trusted proxy says in X-Forwarded-For.

Semantics are uvicorn's ProxyHeadersMiddleware's (which `hirewire serve` also runs with the
same FORWARDED_ALLOW_IPS): the header counts only when the direct peer is a trusted proxy, and
then its right-most entry that is not itself a trusted proxy is the client, because each proxy
appends the address it saw and anything to the left of that came from the client unchecked.
Applying the rule again to an address uvicorn already rewrote gives the same answer, so the
app is right whether or not the server did it first (and under a server that does not)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class TrustedProxies:
    """The proxies whose X-Forwarded-For is believed: none, `*`, or addresses and networks."""

    def __init__(self, spec: str) -> None:
        spec = spec.strip()
        self.trust_all = spec == "*"
        self.networks: list[IPNetwork] = []
        if not self.trust_all:
            for entry in (item.strip() for item in spec.split(",")):
                if entry:
                    self.networks.append(ipaddress.ip_network(entry, strict=False))

    def __bool__(self) -> bool:
        return self.trust_all or bool(self.networks)

    def __contains__(self, host: str | None) -> bool:
        if self.trust_all:
            return True
        address = _address(host)
        return address is not None and any(address in net for net in self.networks)

    def client_host(self, peer: str | None, forwarded_for: Iterable[str]) -> str | None:
        """The client's address given the socket peer and the X-Forwarded-For header values."""
        if not self or peer not in self:
            return peer
        hosts = [_host_only(h) for value in forwarded_for for h in value.split(",")]
        hosts = [h for h in hosts if h]
        if not hosts:
            return peer
        if self.trust_all:
            return hosts[0]
        for host in reversed(hosts):
            if host not in self:
                return host
        return hosts[0]  # every hop was a trusted proxy: the first one is the client


@lru_cache(maxsize=16)
def trusted_proxies(spec: str) -> TrustedProxies:
    return TrustedProxies(spec)


def client_ip(request: Any) -> str:
    """The client address for rate limits, sessions and the audit log."""
    peer = request.client.host if request.client else None
    trusted = trusted_proxies(request.app.state.settings.forwarded_allow_ips)
    forwarded = [
        v.decode("latin-1") for k, v in request.scope["headers"] if k == b"x-forwarded-for"
    ]
    return trusted.client_host(peer, forwarded) or "unknown"


def _address(host: str | None) -> IPAddress | None:
    if not host:
        return None
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _host_only(value: str) -> str:
    """`1.2.3.4`, `1.2.3.4:5678`, `::1` or `[::1]:5678` without the port (as uvicorn parses)."""
    value = value.strip()
    if value.startswith("["):
        end = value.find("]")
        return value[1:end] if end != -1 else value
    if value.count(":") == 1:
        return value.split(":", 1)[0]
    return value
