"""Birthday greetings for Retain: a small, complete third-party plugin (see docs/plugins.md)."""
