"""WSGI entry point: ``app = create_app()``."""

from hotline.app import create_app

app = create_app()
