"""Catalogue of regional government processes and data: the domain and its rules.

Web views, the CLI and importers call the functions in ``catalog.services``;
nothing outside this package writes to the store.
"""
