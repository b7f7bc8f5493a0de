"""healthrag: a self-hostable, retrieval-augmented health knowledge service."""

__version__ = "0.1.0"
