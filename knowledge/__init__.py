"""The knowledge base agents answer from: articles, their lifecycle and Chinese search."""
