"""Serve the embedded registry over HTTP (stdlib ``wsgiref`` with one thread per request).

Run ``python -m sdmx_tools.registry.server --database registry.sqlite [--port 8080]``; it
prints ``Serving the SDMX registry at http://127.0.0.1:PORT/`` on stdout once it listens.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from sdmx_tools.errors import RegistryError, ToolkitError
from sdmx_tools.registry.app import create_app
from sdmx_tools.registry.dialects._http import secret_from_env
from sdmx_tools.registry.http import Credentials
from sdmx_tools.registry.store import RegistryStore

__all__ = ["main", "make_server", "serve"]

log = logging.getLogger(__name__)


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True  # Ctrl-C must not wait for slow clients
    allow_reuse_address = True


class _Handler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        # Access log through logging (stderr noise is not data); never logs headers.
        log.debug("%s %s", self.address_string(), format % args)


def make_server(
    database: Path, host: str = "127.0.0.1", port: int = 0,
    credentials: Credentials | None = None,
) -> _ThreadingServer:
    """A ready-to-run registry server (``port=0`` picks a free port).

    Returns
    -------
    server
        Use ``server.server_address`` for the port, ``serve_forever()`` to run it (e.g. on
        a thread) and ``shutdown()`` to stop it.
    """
    server = _ThreadingServer((host, port), _Handler)
    server.set_app(create_app(RegistryStore(Path(database)), credentials))
    return server


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
    token_env: str | None = None,
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
        them the registry accepts anonymous writes (fine on loopback, not beyond).
    """
    creds = credentials_from_env(username_env, password_env, token_env)
    server = make_server(database, host, port, creds)
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
    args = parser.parse_args(argv)
    try:
        serve(args.database, args.host, args.port, username_env=args.username_env,
              password_env=args.password_env, token_env=args.token_env)
    except ToolkitError as exc:  # e.g. credentials unset, a database of another schema
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
