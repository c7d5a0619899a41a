"""Open311 GeoReport v2, so any 311 client can file and follow 12345 tickets."""
