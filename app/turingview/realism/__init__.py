"""turingview.realism."""
