"""Ways into the catalogue: Excel and CSV registers, OpenLineage events, BPMN diagrams.

Each importer is forgiving about how people fill files and strict about what it stores: it reads
the file, checks every row with the same services the API uses, and writes nothing unless every
row is good (or only the good rows, when asked), in one transaction.
"""
