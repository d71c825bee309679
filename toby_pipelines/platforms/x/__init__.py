"""X (Twitter) through API v2: tweet lookup with metrics, posting, rate limits."""
