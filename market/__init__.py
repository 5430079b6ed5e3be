"""Intercoop market: the Flask application people and programs use."""

from market.app import create_app

__all__ = ["create_app"]
