"""What every dialect shares: auth, rate limits, bodies, pagination, errors."""
