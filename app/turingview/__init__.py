"""TuringView: blinded reader studies of real versus synthetic medical images."""

__version__ = "0.1.0"
__all__ = ["__version__"]
