"""The domain: one module per aggregate. Nothing here knows about HTTP."""
