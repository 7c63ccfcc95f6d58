"""The logic layer: every operation on the catalogue is one function here."""
