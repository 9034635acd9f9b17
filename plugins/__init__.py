"""Built-in plugins. Each is registered through the ``saas.plugins`` entry point, like a third party's."""
