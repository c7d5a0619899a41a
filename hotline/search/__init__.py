"""Finding tickets: a jieba full-text index over ticket text, filtered search with keyset paging, saved views."""
