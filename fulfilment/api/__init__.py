"""The fulfilment REST API (v1), one module per resource."""
