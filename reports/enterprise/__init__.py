"""The 涉企 enterprise ledger (台账) with its 销号, and the monthly 营商环境 report."""
