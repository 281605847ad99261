"""The picker shared by every command that names a customer or a plan: the choices (choices.py,
used by bot/listeners/replies.py) and their button (actions.py)."""
