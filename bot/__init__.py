"""panicscan: review bot that asks what happens when new Rust code panics."""

__version__ = "0.1.0"
