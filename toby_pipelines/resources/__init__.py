"""Dagster resources: typed configuration around the plain clients the loop uses."""
