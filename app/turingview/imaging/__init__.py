"""turingview.imaging."""
