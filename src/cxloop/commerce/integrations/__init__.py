"""One module per store platform: verify a delivery, parse it, call the services."""
