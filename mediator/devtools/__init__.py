"""Developer tools that ship with the package (the stub model server used by tests and benches)."""
