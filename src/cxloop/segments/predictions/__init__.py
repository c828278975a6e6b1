"""Buy-till-you-die models, vectorised over every customer of a store at once.

- `bgnbd`: BG/NBD (Fader, Hardie and Lee 2005) for the number of orders: the
  probability a customer is still active, and how many orders to expect.
- `gamma_gamma`: Gamma-Gamma (Fader and Hardie 2013) for the value of an order.

Each customer is summarised as (x, t_x, T): x repeat orders (orders after the
first), t_x the time of the last order and T the time since the first, both
counted from the first order in one unit (days in cxloop; weeks in the papers),
and for Gamma-Gamma the mean value of the repeat orders.

Both fits are Newton's method with the exact Hessian (`newton`): about five
evaluations of the likelihood, each a few dozen vector operations over the
customers with a repeat order; whatever depends on one column alone (x, or
T) is computed once per distinct value (`summaries.value_index`).
"""
