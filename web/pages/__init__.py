"""The pages in Russian: one module per domain, each with its blueprint ``bp`` (web/api/ answers machines)."""
