"""Discovery: what to scan when, and what the findings say about the brand's topics."""
