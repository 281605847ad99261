"""The verbs of `memberbot`, a module per group: cli/main.py imports one when it runs."""
