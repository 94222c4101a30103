"""earmark: social listening for customer-care teams."""

__version__ = "0.1.0"
