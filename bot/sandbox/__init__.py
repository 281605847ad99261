"""`memberbot sandbox`: the real bot, on a fresh SQLite database, talking to the local Slack
stand-in (bot/standin.py), with a web page that looks and behaves like Slack. Everything done in
the page travels to the bot as the signed requests Slack would send (docs/sandbox.md)."""
