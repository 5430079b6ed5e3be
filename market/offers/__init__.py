"""Offers, wants and questions of the marketplace; their search, map and images."""
