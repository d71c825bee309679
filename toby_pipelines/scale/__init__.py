"""Scale: a database of many brands populated in bulk from rows the real loop wrote, and the
benchmark that runs the real assets on it (`make bench-scale`)."""
