"""The article store: the articles to publish, and where their records are kept."""
