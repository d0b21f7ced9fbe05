"""pasyn.viz"""
