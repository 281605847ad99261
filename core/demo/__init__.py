"""Demo workspaces: writing a described one into an empty workspace, and the tour of it."""
