"""The tenant lifecycle: sign-up, members, API keys and workspace settings."""
