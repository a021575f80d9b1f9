"""Scheduled work: what the clock enqueues (reminders, re-checks, expiry, digest, retention) and
the tables it needs (the clock's lease, the inbox of messages waiting for a terminal user)."""
