"""Exchange with upper platforms (省12345, 互联网+督查, 领导留言板…): tickets in, status and answers out."""
