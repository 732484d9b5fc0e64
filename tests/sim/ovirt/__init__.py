"""oVirt Engine REST API v4 simulator (see README.md)."""
