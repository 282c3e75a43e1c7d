"""Outgoing HTTP that reaches only public addresses: every request and every redirect hop.

Feeds, WebSub hubs and subscribers are URLs that strangers give us, so a request must never
become a way to reach the machine itself, the private network it sits in or a cloud metadata
service. The check happens where the connection is made: a network backend under httpx
resolves the host name once, refuses the request if any address it resolves to is not public,
and connects to the very address it checked. Nothing resolves the name a second time, so a
DNS answer that changes between the check and the connection (DNS rebinding) cannot slip
through. TLS still verifies the certificate against the host name of the URL. Proxies from
the environment are ignored: a proxy would connect on our behalf to an address we never saw.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, cast

import httpcore
import httpx

from core.i18n import gettext as _
from core.settings import Settings
from core.version import VERSION

MAX_REDIRECTS = 5
MAX_CONNECTIONS = 16
ALLOWED_SCHEMES = ("http", "https")

# IPv6 ranges that carry an IPv4 address inside them; the embedded address is what a
# translating router finally connects to, so it is the one that must be public.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

Resolver = Callable[[str, int], Awaitable[list[str]]]
Endpoint = tuple[str, int]


class OutboundError(Exception):
    """An outgoing request that did not happen; `reason` says why in plain words."""

    kind = "network"

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class OutboundRefused(OutboundError):
    """The URL or an address it leads to is not one we may contact."""

    kind = "refused"


class HostNotFound(OutboundError):
    """The host name does not resolve to any address."""

    kind = "dns"


@dataclass(frozen=True)
class Timeouts:
    """Seconds allowed to open a connection, and for a whole exchange (headers and body)."""

    connect: float = 10.0
    total: float = 20.0


def user_agent(settings: Settings) -> str:
    return f"Amicus/{VERSION} (+{settings.base_url})"


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_refusal(text: str) -> str | None:
    """Why this IP address must not be contacted, or None when it is a public address."""
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return _("it is not a valid IP address")
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return address_refusal(str(embedded))
    if address.is_unspecified:
        return _("it is the unspecified address")
    if address.is_loopback:
        return _("it is a loopback address (this machine)")
    if address.is_link_local:
        return _("it is a link-local address (such as a cloud metadata service)")
    if address.is_multicast:
        return _("it is a multicast address")
    if address in ipaddress.ip_network("100.64.0.0/10"):
        return _("it is a carrier-grade NAT address")
    if address.is_private:
        return _("it is a private network address")
    if address.is_reserved or not address.is_global:
        return _("it is a reserved address")
    return None


@dataclass(frozen=True)
class AddressPolicy:
    """Which addresses may be contacted.

    `allow_private` opens everything (tests, closed networks). `allowed_endpoints` opens exact
    (address, port) pairs only, so a test can serve a feed on loopback while every other
    loopback port and private address stays refused.
    """

    allow_private: bool = False
    allowed_endpoints: frozenset[Endpoint] = frozenset()

    def refusal(self, address: str, port: int) -> str | None:
        if self.allow_private or (address, port) in self.allowed_endpoints:
            return None
        return address_refusal(address)


def check_url(url: httpx.URL | str) -> httpx.URL:
    """The URL parsed, or OutboundRefused when it is not an absolute http(s) URL."""
    try:
        parsed = httpx.URL(url) if isinstance(url, str) else url
    except httpx.InvalidURL as error:
        raise OutboundRefused(
            _("The address is not a valid URL (%(problem)s).") % {"problem": error}
        ) from None
    if parsed.scheme not in ALLOWED_SCHEMES:
        raise OutboundRefused(
            _("Only http and https addresses can be fetched, not %(scheme)s.")
            % {"scheme": parsed.scheme or _("a relative address")}
        )
    if not parsed.host:
        raise OutboundRefused(_("The address has no host name."))
    return parsed


async def system_resolver(host: str, port: int) -> list[str]:
    """Every address the host name resolves to, in the order the system prefers."""
    loop = asyncio.get_running_loop()
    try:
        answers = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise HostNotFound(
            _("The host name %(host)s could not be resolved (%(problem)s).")
            % {"host": host, "problem": error}
        ) from None
    addresses: list[str] = []
    for _family, _type, _proto, _name, sockaddr in answers:
        if sockaddr[0] not in addresses:
            addresses.append(sockaddr[0])
    return addresses


# Received bytes buffered beyond this stop reading from the socket until the reader catches
# up, so a fast server cannot fill memory faster than the fetcher consumes its body (and
# a pass of 16 fetches holds at most a megabyte in these buffers); httpcore reads 64 KiB
# at a time.
_READ_BUFFER_LIMIT = 64 * 1024


class _Connection(asyncio.Protocol):
    """What the peer sent on one connection, waiting for _Stream.read."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.received = bytearray()
        self.ended = False
        self.lost: Exception | None = None
        self._data_waiter: asyncio.Future[None] | None = None
        self._drain_waiter: asyncio.Future[None] | None = None
        self._reading_paused = False
        self._writing_paused = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # A stream transport (uvloop's are not asyncio.Transport subclasses, hence the cast).
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.received += data
        if len(self.received) > _READ_BUFFER_LIMIT and self.transport is not None:
            self.transport.pause_reading()
            self._reading_paused = True
        self._wake(self._data_waiter)

    def eof_received(self) -> bool:
        self.ended = True
        self._wake(self._data_waiter)
        return False

    def connection_lost(self, error: Exception | None) -> None:
        self.ended = True
        self.lost = error
        self._wake(self._data_waiter)
        self._wake(self._drain_waiter)

    def pause_writing(self) -> None:
        self._writing_paused = True

    def resume_writing(self) -> None:
        self._writing_paused = False
        self._wake(self._drain_waiter)

    @staticmethod
    def _wake(waiter: asyncio.Future[None] | None) -> None:
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    @property
    def readable(self) -> bool:
        """Something was received, or the connection ended: a read would not wait."""
        return bool(self.received) or self.ended

    async def wait_readable(self) -> None:
        self._data_waiter = asyncio.get_running_loop().create_future()
        try:
            await self._data_waiter
        finally:
            self._data_waiter = None

    def take(self, max_bytes: int) -> bytes:
        data = bytes(self.received[:max_bytes])
        del self.received[:max_bytes]
        if self._reading_paused and len(self.received) <= _READ_BUFFER_LIMIT:
            assert self.transport is not None
            self.transport.resume_reading()
            self._reading_paused = False
        return data

    @property
    def writable(self) -> bool:
        """The transport takes more data to send (or the connection ended: nothing to wait for)."""
        return not self._writing_paused or self.ended

    async def wait_writable(self) -> None:
        self._drain_waiter = asyncio.get_running_loop().create_future()
        try:
            await self._drain_waiter
        finally:
            self._drain_waiter = None


# httpcore's names for a connection's addresses, and asyncio's.
_ADDRESS_INFO = {"client_addr": "sockname", "server_addr": "peername"}


class _Stream(httpcore.AsyncNetworkStream):
    """An asyncio transport as httpcore's network stream.

    It replaces httpcore's AnyIO stream, whose cancel scopes and checkpoints around every read
    and write were about a quarter of httpcore's own time for a conditional GET answered 304
    (measured again with bench/import_bench.py, both variants alternating, three rounds each:
    a re-poll of 500 unchanged feeds took a median 0.53 s of CPU with this stream and 0.71 s
    with httpcore.AnyIOBackend behind the same address checks, a third more, on a margin of
    0.15 s to the 0.5 s re-poll figure); and it tells httpcore whether an idle pooled connection is still reusable from what the
    connection received (nothing, or else unexpected data or the end), without a system call.
    """

    def __init__(self, connection: _Connection):
        assert connection.transport is not None
        self._connection = connection
        self._transport = connection.transport

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109
        connection = self._connection
        if not connection.readable:
            try:
                async with asyncio.timeout(timeout):
                    await connection.wait_readable()
            except TimeoutError:
                raise httpcore.ReadTimeout(_("The server did not answer in time.")) from None
        if connection.received:
            return connection.take(max_bytes)
        if connection.lost is not None:
            raise httpcore.ReadError(str(connection.lost)) from connection.lost
        return b""

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        if not buffer:
            return
        if self._transport.is_closing():
            raise httpcore.WriteError(_("The connection was closed."))
        self._transport.write(buffer)
        if self._connection.writable:
            return
        try:
            async with asyncio.timeout(timeout):
                await self._connection.wait_writable()
        except TimeoutError:
            raise httpcore.WriteTimeout(_("The server did not take the request in time.")) from None

    async def aclose(self) -> None:
        self._transport.close()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport = await loop.start_tls(
                    self._transport, self._connection, ssl_context, server_hostname=server_hostname
                )
        except TimeoutError:
            self._transport.close()
            raise httpcore.ConnectTimeout(_("The secure connection took too long.")) from None
        except (OSError, ssl.SSLError) as error:
            self._transport.close()
            raise httpcore.ConnectError(str(error)) from error
        self._connection.transport = cast(asyncio.Transport, transport)
        return _Stream(self._connection)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return self._connection.readable
        return self._transport.get_extra_info(_ADDRESS_INFO.get(info, info))


async def _connect_tcp(
    address: str, port: int, local_address: str | None, socket_options: Any
) -> _Stream:
    """A connection to an IP address (never a name: nothing is resolved here)."""
    loop = asyncio.get_running_loop()
    try:
        transport, connection = await loop.create_connection(
            _Connection, address, port, local_addr=(local_address, 0) if local_address else None
        )
    except OSError as error:
        raise httpcore.ConnectError(str(error)) from error
    sock = transport.get_extra_info("socket")
    for option in socket_options or ():
        sock.setsockopt(*option)
    return _Stream(connection)


class _CheckedNetworkBackend(httpcore.AsyncNetworkBackend):
    """Resolves, checks every address, then connects to a checked address (never re-resolves)."""

    def __init__(self, policy: AddressPolicy, resolver: Resolver):
        self._policy = policy
        self._resolver = resolver

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's backend interface)
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                addresses = await self._resolver(host, port)
        except TimeoutError:
            raise httpcore.ConnectTimeout(
                _("Resolving %(host)s took too long.") % {"host": host}
            ) from None
        if not addresses:
            raise HostNotFound(_("The host name %(host)s has no address.") % {"host": host})
        for address in addresses:
            reason = self._policy.refusal(address, port)
            if reason is not None:
                raise OutboundRefused(
                    _("%(host)s is not a public address: %(address)s, %(reason)s.")
                    % {"host": host, "address": address, "reason": reason}
                )
        last_error: Exception | None = None
        for address in addresses:
            try:
                async with asyncio.timeout(timeout):
                    return await _connect_tcp(address, port, local_address, socket_options)
            except TimeoutError:
                last_error = httpcore.ConnectTimeout(
                    _("Connecting to %(address)s took too long.") % {"address": address}
                )
            except httpcore.ConnectError as error:
                last_error = error
        assert last_error is not None
        raise last_error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's backend interface)
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        raise OutboundRefused(_("Connections to local sockets are not allowed."))

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class _DeadlineStream(httpx.AsyncByteStream):
    """A response body that must arrive before the exchange's deadline."""

    def __init__(self, stream: httpx.AsyncByteStream, deadline: float, request: httpx.Request):
        self._stream = stream
        self._deadline = deadline
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        chunks = aiter(self._stream)
        while True:
            try:
                async with asyncio.timeout_at(self._deadline):
                    chunk = await anext(chunks)
            except StopAsyncIteration:
                return
            except TimeoutError:
                raise httpx.ReadTimeout(
                    _("The server took too long to send the whole response."), request=self._request
                ) from None
            yield chunk

    async def aclose(self) -> None:
        await self._stream.aclose()


@functools.cache
def _tls_context() -> ssl.SSLContext:
    # Loading the certificate authorities takes tens of milliseconds; do it once per process.
    return httpx.create_ssl_context(trust_env=False)


# The only private httpx name the application uses is AsyncHTTPTransport's `_pool`, replaced
# below; tests/test_outbound_internals.py checks it against the installed versions, pinned in
# pyproject.toml to these minor versions.
TESTED_HTTPX = (0, 28)
TESTED_HTTPCORE = (1, 0)


class _CheckedTransport(httpx.AsyncHTTPTransport):
    def __init__(self, backend: _CheckedNetworkBackend, limits: httpx.Limits, timeouts: Timeouts):
        super().__init__(verify=_tls_context(), trust_env=False, limits=limits)
        # httpx has no public way to choose the network backend, so its connection pool is
        # replaced by one that connects only through the checking backend.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=_tls_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=backend,
        )
        self._timeouts = timeouts

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        check_url(request.url)
        deadline = asyncio.get_running_loop().time() + self._timeouts.total
        try:
            async with asyncio.timeout_at(deadline):
                response = await super().handle_async_request(request)
        except TimeoutError:
            raise httpx.ReadTimeout(
                _("The server did not answer in time."), request=request
            ) from None
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _DeadlineStream(response.stream, deadline, request)
        return response


class OutboundClient(httpx.AsyncClient):
    """The client of outbound_client. Beside the whole httpx API, `get_one_hop` sends a GET
    straight through the checking transport, without the client's redirect, auth and event
    hook machinery: the feed fetcher follows redirects itself (each hop through this same
    transport and its checks), and on a pass over hundreds of unchanged feeds the client's
    per-request work was a good part of the time."""

    def __init__(self, *, transport: _CheckedTransport, **options: Any):
        super().__init__(transport=transport, **options)
        self._checked_transport = transport

    async def get_one_hop(self, url: httpx.URL, headers: dict[str, str]) -> httpx.Response:
        """The streamed response to a GET of `url`, redirects not followed; close it when done.
        The client's headers, timeouts and cookies apply as to any of its requests."""
        merged = httpx.Headers(self.headers)
        merged.update(headers)
        request = httpx.Request(
            "GET", url, headers=merged, extensions={"timeout": self.timeout.as_dict()}
        )
        if self.cookies:
            self.cookies.set_cookie_header(request)
        response = await self._checked_transport.handle_async_request(request)
        response.request = request
        if "set-cookie" in response.headers:
            self.cookies.extract_cookies(response)
        return response


@asynccontextmanager
async def outbound_client(
    settings: Settings,
    *,
    timeouts: Timeouts = Timeouts(),
    max_redirects: int = MAX_REDIRECTS,
    max_connections: int = MAX_CONNECTIONS,
    allowed_endpoints: Collection[Endpoint] = (),
    resolver: Resolver = system_resolver,
) -> AsyncIterator[OutboundClient]:
    """An httpx client whose every request and redirect hop reaches only permitted addresses.

    Requests to a refused address raise OutboundRefused, unresolvable names HostNotFound;
    everything else raises the usual httpx errors. Each exchange (one hop, headers and body)
    must finish within `timeouts.total` seconds.
    """
    policy = AddressPolicy(
        allow_private=settings.allow_private_addresses,
        allowed_endpoints=frozenset(allowed_endpoints),
    )
    limits = httpx.Limits(
        max_connections=max_connections, max_keepalive_connections=max_connections
    )
    transport = _CheckedTransport(_CheckedNetworkBackend(policy, resolver), limits, timeouts)
    async with OutboundClient(
        transport=transport,
        follow_redirects=True,
        max_redirects=max_redirects,
        timeout=httpx.Timeout(timeouts.total, connect=timeouts.connect),
        headers={"User-Agent": user_agent(settings)},
        trust_env=False,
    ) as client:
        yield client
