"""Build the web app: one Sanic app, one blueprint per audience.

The app itself only holds what every blueprint shares (the Rasa port, the template
environment, security headers, the health check). Each page set is a blueprint
made by a factory in its own module, so that a new one (e.g. the coordinators'
console in ``webapp/console.py``) is one more entry in ``BLUEPRINTS``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

from jinja2 import Environment, FileSystemLoader
from sanic import Blueprint, Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, json

from webapp import console, officer, practice

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATE_DIR = PACKAGE_DIR / "templates"

BlueprintFactory = Callable[[], Blueprint]

# Factories, not module-level blueprints: every create_app() gets fresh route objects.
BLUEPRINTS: Sequence[BlueprintFactory] = (practice.blueprint, console.blueprint, officer.blueprint)


def template_environment() -> Environment:
    """The templates of every blueprint, in ``webapp/templates``, read as ``request.app.ctx.templates``."""
    # Autoescape everything: scenario text is written by coordinators, officers' replies by officers.
    return Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def create_app(rasa_port: int, *, name: str = "trainer_web") -> Sanic:
    """The web app, talking to the Rasa server on ``rasa_port`` of the page's host.

    Sanic keeps a registry of app names: a second app in the same process needs
    another ``name`` (Sanic's test client lifts that rule by itself).
    """
    app = Sanic(name)
    app.ctx.rasa_port = int(rasa_port)
    app.ctx.templates = template_environment()

    @app.get("/healthz")
    async def healthz(_request: Request) -> HTTPResponse:
        return json({"status": "ok"})

    @app.on_response
    async def security_headers(_request: Request, response: HTTPResponse) -> None:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")

    for factory in BLUEPRINTS:
        app.blueprint(factory())
    return app
