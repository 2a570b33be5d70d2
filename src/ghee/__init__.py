"""ghee: a self-hosted build, release and content hub."""

__version__ = "0.1.0"
