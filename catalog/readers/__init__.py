"""Pure file readers: tables (xlsx/CSV), BPMN XML, and the import report with its error copy.

They know files, not the catalogue: nothing here imports a model, a service or the session, only
``catalog.errors`` (the Russian refusals) and ``catalog.cells`` (how a cell is written safely).
The import services (``catalog.services.imports``) read with them and write through the services.
"""
