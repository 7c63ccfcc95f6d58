"""Search over the catalogue: one interface, an embedded tantivy index by default or Elasticsearch.

Both backends are projections of the outbox (``projection.SearchProjection``); the
services in ``catalog.services.search`` are the one way the API, the pages and the CLI use them.
"""
from __future__ import annotations

from pathlib import Path

from catalog.search.projection import SearchProjection


def open_search(settings, sessions) -> SearchProjection:
    """The configured index, wrapped in its projection."""
    if settings.search_backend == "embedded":
        from catalog.search.embedded import EmbeddedIndex

        index = EmbeddedIndex(Path(settings.search_path or Path(settings.instance_path) / "search"))
    elif settings.search_backend == "elasticsearch":
        if not settings.elasticsearch_url:
            raise ValueError("CATALOG_SEARCH_BACKEND=elasticsearch требует CATALOG_ELASTICSEARCH_URL (http://…).")
        from catalog.search.elastic import ElasticIndex

        index = ElasticIndex(settings.elasticsearch_url, settings.elasticsearch_index)
    else:
        raise ValueError(f"CATALOG_SEARCH_BACKEND: неизвестный бэкенд поиска «{settings.search_backend}» "
                         "(embedded или elasticsearch).")
    return SearchProjection(index, sessions)
