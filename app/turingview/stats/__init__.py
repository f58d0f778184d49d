"""turingview.stats."""
