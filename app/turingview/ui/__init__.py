"""turingview.ui."""
