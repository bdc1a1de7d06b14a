"""Near-duplicate detection: MinHash signatures, a persistent LSH index, clusters and canonical copies."""
