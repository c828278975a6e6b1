"""cxloop: the customer-experience loop for online stores."""
