"""turingview.export."""
