"""The administrator's pages: users, units and grids, time limits, categories, model versions, the 万件清理
ledger with 销号, and the audit of every admin change."""
