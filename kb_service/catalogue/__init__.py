"""The product catalogue: products, families and versions."""
