class FitError(ValueError):
    """The data cannot be fitted (no customers, or the optimiser did not converge)."""
