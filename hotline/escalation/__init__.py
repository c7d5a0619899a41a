"""The escalation ladder: ordered rules (data) that 催办/督办/提级督办 overdue tickets, run by the periodic sweep."""
