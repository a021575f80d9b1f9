"""The community blocklist: normalisation, reports and moderation, audit, lookups and exports."""
