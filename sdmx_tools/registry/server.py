"""Serve the embedded registry over HTTP: the ASGI app on uvicorn.

Run ``python -m sdmx_tools.registry.server --database registry.sqlite [--port 8080]``; it
prints ``Serving the SDMX registry at http://127.0.0.1:PORT/`` on stdout once it listens.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import socket
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import uvicorn

from sdmx_tools.errors import RegistryError, ToolkitError
from sdmx_tools.registry.app import create_app
from sdmx_tools.registry.dialects._http import secret_from_env
from sdmx_tools.registry.http import Credentials
from sdmx_tools.registry.store import RegistryStore

__all__ = ["RegistryServer", "main", "make_server", "serve"]

log = logging.getLogger(__name__)


class RegistryServer:
    """The registry app on uvicorn, listening on a socket bound at construction.

    ``server_address`` is known before it serves (``port=0`` picks a free port);
    ``serve_forever()`` blocks (run it on a thread to serve in the background) until
    ``shutdown()``; ``server_close()`` releases the socket.
    """

    def __init__(self, app: Any, host: str, port: int) -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        # IPPROTO_TCP named: asyncio sets TCP_NODELAY only on sockets that say so, and
        # without it every small answer waits out the client's delayed ACK (40 ms).
        self.socket = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind((host, port))
        self.socket.listen(128)
        self.server_address = self.socket.getsockname()
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                                timeout_graceful_shutdown=2)
        self._server = uvicorn.Server(config)
        self._serving, self._stopped = threading.Event(), threading.Event()

    def serve_forever(self) -> None:
        """Serve until :meth:`shutdown` (or Ctrl-C in the main thread)."""
        self._serving.set()
        try:
            self._server.run(sockets=[self.socket])
        finally:
            self._stopped.set()

    def shutdown(self) -> None:
        """Stop serving; returns once ``serve_forever`` has (as socketserver's does)."""
        self._server.should_exit = True
        if self._serving.is_set():
            self._stopped.wait(10)

    def server_close(self) -> None:
        """Release the listening socket."""
        self.socket.close()


def make_server(
    database: Path, host: str = "127.0.0.1", port: int = 0,
    credentials: Credentials | None = None, *, anonymous_writes: bool = False,
) -> RegistryServer:
    """A ready-to-run registry server (``port=0`` picks a free port).

    Parameters
    ----------
    database
        The SQLite store (created if missing).
    host, port
        Where to listen.
    credentials
        What writes must present.
    anonymous_writes
        Without credentials, accept writes from anyone: refused unless ``host`` is a
        loopback address.

    Raises
    ------
    RegistryError
        Anonymous writes asked for on an address other machines can reach.
    """
    if anonymous_writes and credentials is None and not _loopback(host):
        raise RegistryError("anonymous writes are allowed on a loopback address only",
                            value=host, hint="set credentials (username/password or token "
                            "environment variables), or listen on 127.0.0.1")
    app = create_app(RegistryStore(Path(database)), credentials,
                     anonymous_writes=anonymous_writes)
    return RegistryServer(app, host, port)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def credentials_from_env(
    username_env: str | None = None, password_env: str | None = None,
    token_env: str | None = None,
) -> Credentials | None:
    """Write credentials from the named environment variables (None when none is named)."""
    if not (username_env or password_env or token_env):
        return None
    if bool(username_env) != bool(password_env):
        raise RegistryError("Basic auth needs both username_env and password_env")
    names = (username_env, password_env, token_env)
    return Credentials(*(secret_from_env(n) if n else None for n in names))


def serve(
    database: Path, host: str = "127.0.0.1", port: int = 0, *,
    username_env: str | None = None, password_env: str | None = None,
    token_env: str | None = None, anonymous_writes: bool = False,
) -> None:
    """Serve the registry until interrupted (Ctrl-C); prints its URL on stdout.

    Parameters
    ----------
    database
        The SQLite store (created if missing).
    host, port
        Where to listen; loopback by default, ``port=0`` for a free port.
    username_env, password_env, token_env
        Names of environment variables with the credentials writes must present; without
        them every write is refused (401), unless ``anonymous_writes`` (loopback only).
    """
    creds = credentials_from_env(username_env, password_env, token_env)
    server = make_server(database, host, port, creds, anonymous_writes=anonymous_writes)
    bound_host, bound_port = server.server_address[:2]
    host_text = bound_host.decode() if isinstance(bound_host, bytes) else bound_host
    print(f"Serving the SDMX registry at http://{host_text}:{bound_port}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point (``python -m sdmx_tools.registry.server``)."""
    parser = argparse.ArgumentParser(description="Serve the sdmx-tools embedded registry.")
    parser.add_argument("--database", type=Path, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--username-env")
    parser.add_argument("--password-env")
    parser.add_argument("--token-env")
    parser.add_argument("--anonymous-writes", action="store_true",
                        help="accept writes without credentials (loopback addresses only)")
    args = parser.parse_args(argv)
    try:
        serve(args.database, args.host, args.port, username_env=args.username_env,
              password_env=args.password_env, token_env=args.token_env,
              anonymous_writes=args.anonymous_writes)
    except ToolkitError as exc:  # e.g. credentials unset, a database of another schema
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
