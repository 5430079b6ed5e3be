"""Notifications: an outbox written in each use case's transaction, read on a page, mailed."""
