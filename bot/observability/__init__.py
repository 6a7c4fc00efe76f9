"""Seeing inside a running bot: Prometheus metrics and log context."""
