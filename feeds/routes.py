"""Feeds, federation and WebSub."""

routes: list = []
