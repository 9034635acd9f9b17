"""Use cases over the core models. They flush but never commit: the caller owns the transaction."""
