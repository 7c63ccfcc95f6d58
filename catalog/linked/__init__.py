"""The catalogue as linked data: IRIs, the streaming RDF export, the import, SHACL validation, SPARQL."""
