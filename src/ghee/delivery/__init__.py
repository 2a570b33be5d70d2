"""Webhooks: subscriptions, the outbox fan-out, signing, and the dispatcher that delivers at least once."""
