"""The report layer: results in, what a councillor reads out. `words` builds every sentence,
`suppression` guards every count, `html` and `charts` draw, `tables` formats, `provenance` ends
each page, `restricted` writes child-level lists. The look lives in `templates/`."""
