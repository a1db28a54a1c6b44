"""`flask --app app notices …`"""

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import click

from app.core.commands import CommandGroup

notices_cli = CommandGroup("notices", help="Notices and the school's group chats.")

WECOM_OK = {"errcode": 0, "errmsg": "ok"}
# What WeCom answers a key it does not know, for trying how a failure looks.
WECOM_INVALID_KEY = {"errcode": 93000, "errmsg": "invalid webhook url"}
# A message bigger than any chat accepts is cut here rather than read into memory whole.
BODY_MAX_BYTES = 1024 * 1024


def init_app(app):
    app.cli.add_command(notices_cli)


@notices_cli.command("receiver")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=9100, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--fail", is_flag=True, help="Answer every message with WeCom's error for a wrong key."
)
def receiver(host, port, fail):
    """A stand-in WeCom group robot on this computer, to try the notices without a chat: it
    prints each message it receives and answers as WeCom does."""
    server = receiver_server(host, port, WECOM_INVALID_KEY if fail else WECOM_OK, _print_message)
    address = f"http://{host}:{server.server_port}/cgi-bin/webhook/send?key=demo"
    click.echo(f"Listening: add a WeCom channel with the address {address}")
    click.echo("(Patrol needs WEBHOOKS_ALLOW_PRIVATE=1 to send to this computer.) Ctrl+C stops.")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def receiver_server(
    host: str,
    port: int,
    answer: dict,
    on_message: Callable[[str, dict | str], None],
) -> ThreadingHTTPServer:
    """An HTTP server that hands each POSTed message (path, JSON or raw text) to `on_message`
    and answers `answer` as JSON. Port 0 picks a free one (server.server_port)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = min(int(self.headers.get("Content-Length") or 0), BODY_MAX_BYTES)
            raw = self.rfile.read(length).decode("utf-8", errors="replace")
            try:
                received = json.loads(raw)
            except ValueError:
                received = raw
            on_message(self.path, received)
            body = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):
            # The message itself is what is worth printing, not the access log.
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server


_print_lock = threading.Lock()


def _print_message(path: str, received: dict | str) -> None:
    with _print_lock:
        click.echo(f"--- POST {path.split('?', 1)[0]}")
        if isinstance(received, dict):
            click.echo(json.dumps(received, ensure_ascii=False, indent=2))
        else:
            click.echo(received)
