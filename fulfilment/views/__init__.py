"""The fulfilment pages, one module per audience: dock, dashboard, decisions."""
