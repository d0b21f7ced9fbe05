"""pasyn.pose"""
