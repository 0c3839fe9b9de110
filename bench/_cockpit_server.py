"""The web server bench/cockpit_live.py measures: Django's threaded WSGI server (the one the
demo runs) over the bench's copy of the database, with one extra route for the comparison:

``GET /bench/cockpit/stream``: the cockpit as Server-Sent Events (text/event-stream). Once a
second the stream asks ``web.cockpit.body`` (the same cached body and ETag the polled API
answers with) and sends the body when the ETag changed; a comment line every 15 s keeps
proxies from closing it. It exists only here: CityOps ships the polled API.

    python bench/_cockpit_server.py PORT   (DATABASE_URL and the settings from the environment)
"""

from __future__ import annotations

import sys
import time

from _common import setup_django

CHECK_SECONDS = 1.0
HEARTBEAT_SECONDS = 15.0


def stream(request):
    from django.db import close_old_connections
    from django.http import HttpResponse, StreamingHttpResponse

    from web import cockpit

    if not request.user.is_authenticated:
        return HttpResponse(status=401)
    user = request.user

    def events():
        last, quiet = None, 0.0
        try:
            while True:
                text, etag = cockpit.body(user)
                if etag != last:
                    last, quiet = etag, 0.0
                    yield f"id: {etag}\ndata: {text}\n\n".encode()
                elif quiet >= HEARTBEAT_SECONDS:
                    quiet = 0.0
                    yield b": ping\n\n"
                time.sleep(CHECK_SECONDS)
                quiet += CHECK_SECONDS
        finally:
            close_old_connections()

    response = StreamingHttpResponse(events(), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    return response


def main() -> None:
    port = int(sys.argv[1])
    setup_django()
    from django.core.servers.basehttp import WSGIServer, run
    from django.core.wsgi import get_wsgi_application
    from django.urls import path

    from cityops import urls

    urls.urlpatterns.insert(0, path("bench/cockpit/stream", stream))
    WSGIServer.request_queue_size = 128
    run("127.0.0.1", port, get_wsgi_application(), threading=True)


if __name__ == "__main__":
    main()
