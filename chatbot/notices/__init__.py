"""Notice help: read a pasted Amazon notice, keep a case per seller, draft letters."""
