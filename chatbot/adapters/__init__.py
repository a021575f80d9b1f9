"""Adapters: translate a chat platform's messages to `Incoming` and `Reply` objects back."""
