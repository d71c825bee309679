"""The learning benchmark: Tobys policy against the seeds algorithms on simulated worlds."""
