"""The warehouse REST API (v1), one module per resource."""
