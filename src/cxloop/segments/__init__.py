"""Segments and predictions: who the store's customers are and what they will likely do next."""
