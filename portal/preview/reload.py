"""The live-reload socket: livereload's websocket protocol, with a handler of this
server's own. A page tells which build it shows when it connects, and is reloaded at once
if a newer build finished meanwhile."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from livereload.handlers import LiveReloadHandler  # type: ignore[import-untyped]
from tornado import web

from portal.preview.http import Preview

PLUGIN = "portal-preview"


def live_handler(preview: Preview) -> type[web.RequestHandler]:
    """A livereload websocket handler of this server's own (livereload's keeps globals)."""

    class Live(LiveReloadHandler):  # type: ignore[misc]
        waiters: ClassVar[set[Any]] = set()  # pages that completed the handshake
        watcher = type("Watched", (), {"filepath": "*"})  # reload_waiters logs its filepath
        live_css = False
        connections: ClassVar[set[Any]] = set()

        def open(self, *args: str) -> None:
            self.connections.add(self)

        def on_close(self) -> None:
            self.waiters.discard(self)
            self.connections.discard(self)

        def on_message(self, message: str | bytes) -> None:
            try:
                data = json.loads(message)
            except ValueError:
                return
            if not isinstance(data, dict):
                return
            if data.get("command") == "hello":
                self.send_message(
                    {
                        "command": "hello",
                        "protocols": ["http://livereload.com/protocols/official-7"],
                        "serverName": "portal-preview",
                    }
                )
            elif data.get("command") == "info" and "url" in data:
                self.waiters.add(self)
                plugins = data.get("plugins")
                info = plugins.get(PLUGIN) if isinstance(plugins, dict) else None
                build = info.get("build") if isinstance(info, dict) else None
                if build is not None and build != str(preview.state.generation):
                    # The page was served before the latest build finished.
                    self.send_message({"command": "reload", "path": "*", "liveCSS": False})

    return Live
