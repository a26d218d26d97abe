"""File names cannot disguise their extension with invisible format characters."""

import pytest

from portalflow_documents.uploads import safe_file_name


@pytest.mark.parametrize(("given", "safe"), [
    ("invoice\u202efdp.exe", "invoicefdp.exe"),  # right-to-left override: shown `exe.pdf`
    ("\u202ainvoice\u202b\u202c\u202d.pdf", "invoice.pdf"),  # embeddings, pop, override
    ("scan\u2066\u2067\u2068\u2069.pdf", "scan.pdf"),  # isolates
    ("dni\u200e\u200f\u061c.pdf", "dni.pdf"),  # direction marks
    ("bill\u200b\u200d\ufeff.pdf", "bill.pdf"),  # zero-width space, joiner, BOM
    ("\u202e", "document"),  # nothing visible left
    ("contrato firmado – ñ.pdf", "contrato firmado – ñ.pdf"),  # visible text is kept
])
def test_format_characters_are_stripped(given, safe):
    assert safe_file_name(given) == safe
