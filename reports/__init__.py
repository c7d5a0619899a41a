"""Reports managers act on: 三率 and rankings, the 万件清理 ledger, hot spots and 类案."""
