"""The built-in content packs, registered through the same entry points as any other."""
