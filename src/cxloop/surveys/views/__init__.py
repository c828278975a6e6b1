"""Survey pages: public pages customers reach (public.py) and staff pages (staff.py)."""

from .public import answer

__all__ = ["answer"]
