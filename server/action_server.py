"""The action server, locked down: ``python -m server.action_server [--port 5055]``.

Stock ``rasa run actions`` listens on every interface, needs no credentials and echoes
the request body (the whole tracker) in its error responses. This runs the same
rasa-sdk app with three changes:

- it listens on 127.0.0.1 unless ACTION_SERVER_HOST says otherwise;
- /webhook and /actions require the shared secret TRAINER_ACTION_TOKEN, which Rasa
  sends as the ``token`` query parameter (endpoints.yml: action_endpoint.token);
- errors answer {"error": "internal error"} and are logged, never echoed.
"""
from __future__ import annotations

import argparse
import hmac
import logging
import os
import sys
from typing import List, Optional

from rasa_sdk.endpoint import create_app as create_sdk_app
from sanic import response

logger = logging.getLogger(__name__)
PROTECTED = ("/webhook", "/actions")


def create_app(token: str, package: str = "actions"):
    if not token:
        raise ValueError("TRAINER_ACTION_TOKEN must be set: the action server refuses to run unprotected")
    app = create_sdk_app(package, cors_origins=[])

    @app.on_request
    async def require_token(request):
        if request.path in PROTECTED:
            given = request.args.get("token") or ""
            if not hmac.compare_digest(given.encode(), token.encode()):
                return response.json({"error": "unauthorised"}, status=401)
        return None

    # Replace rasa-sdk's handler, which echoes the request body (the tracker) to the caller.
    async def no_echo(request, exception):
        logger.error("action server error on %s", request.path, exc_info=exception)
        return response.json({"error": "internal error"}, status=500)

    app.error_handler.add(Exception, no_echo)
    # Rasa reuses idle connections for 15 s (aiohttp's default); Sanic closes them after 5 s,
    # and a request sent on a connection the server is closing fails ("Cannot write to closing
    # transport": 2-7 % of action calls at 200 officers). The server must outwait the client.
    app.config.KEEP_ALIVE_TIMEOUT = 120
    return app


def warm_up() -> None:
    """Load the scenario library, spaCy/jieba, the lexicon and both learned models (~10 s) before the
    first officer waits for them."""
    from actions.scoring import default_scorer
    from actions.trainer.scenarios import library

    library()
    scorer = default_scorer()
    scorer.score("favour", "感谢您的理解，但我们必须依法处理。")  # a pass: trains the give-in check
    scorer.score("favour", "您好")  # no refusal the rules see: trains the refusal opinion


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--host", default=os.environ.get("ACTION_SERVER_HOST", "127.0.0.1"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    from actions.records.db import DatabaseUnavailable, check_connection

    try:
        check_connection()  # the records database: no training off the record
    except DatabaseUnavailable as exc:
        print(f"动作服务器拒绝启动：{exc}", file=sys.stderr, flush=True)
        return 78
    app = create_app(os.environ.get("TRAINER_ACTION_TOKEN", ""))
    warm_up()
    # A unit training at once means hundreds of simultaneous action calls: the default listen
    # backlog (100) resets connections beyond it (measured by make bench at 200 officers).
    app.run(host=args.host, port=args.port, workers=1, access_log=False, motd=False, backlog=2048)
    return 0


if __name__ == "__main__":
    sys.exit(main())
