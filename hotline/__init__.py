"""hotline12345: the ticket and grid-coordination system of a 12345 government-service hotline."""
