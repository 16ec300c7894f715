"""The warehouse pages, one module per audience: the merchant portal and the station."""
