"""Instagram through Meta's Graph API: account media, insights, publishing, rate limits."""
