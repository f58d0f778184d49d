"""Qt-free domain: value types, the review-session state machine and the error hierarchy.

Nothing here imports Qt, SQLAlchemy, pydicom, pandas, scipy or torch (enforced by import-linter).
"""
