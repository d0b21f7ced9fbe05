"""pasyn.eval"""
