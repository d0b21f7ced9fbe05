"""pasyn: prior-aware synthetic data for animal pose estimation with very little real data."""
__version__ = "0.1.0"
