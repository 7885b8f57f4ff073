"""REST API routers under /api/v1, one module per group of resources."""
