"""What people see: pages, the live console and its pushes."""
