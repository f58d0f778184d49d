"""turingview.storage."""
