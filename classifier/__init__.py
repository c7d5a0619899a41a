"""Ticket classification: jieba + scikit-learn category model and keyword rules (no Flask, no DB)."""
