"""turingview.study."""
