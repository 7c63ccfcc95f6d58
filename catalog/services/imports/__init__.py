"""Every import: register and reference-list tables, BPMN diagrams, OpenLineage events, RDF."""
