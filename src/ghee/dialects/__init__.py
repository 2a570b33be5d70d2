"""HTTP dialects: each translates one product's documented API onto ``ghee.core``."""
