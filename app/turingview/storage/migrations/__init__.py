"""Alembic migrations of the study store, run programmatically on open (see :mod:`turingview.storage.migrate`)."""
