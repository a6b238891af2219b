"""Run the web app: ``python -m webapp --port 8000 --rasa-port 5005``."""
from __future__ import annotations

import argparse
from typing import List, Optional


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m webapp", description="廉政情景训练：练习页面")
    parser.add_argument("--port", type=int, default=8000, help="port of the web app (default 8000)")
    parser.add_argument("--rasa-port", type=int, default=5005,
                        help="port of the Rasa server on the page's host; the widget connects there (default 5005)")
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    args = parser.parse_args(argv)

    from webapp.app import create_app  # imported here: Rasa's imports are slow, --help should not be

    app = create_app(args.rasa_port)
    app.run(host=args.host, port=args.port, workers=1, access_log=False, auto_reload=False, motd=False)


if __name__ == "__main__":
    main()
