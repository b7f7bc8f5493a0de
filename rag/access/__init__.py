"""Who may see what: tokens, shares, signed links, rate limits, the audit trail and
conversation history."""
