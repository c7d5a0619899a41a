"""Files on tickets: photos, short videos, PDFs and office documents (storage, checks, copies)."""
