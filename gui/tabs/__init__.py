"""The three analysis tabs; each is handed the workspace model and the notifier."""
