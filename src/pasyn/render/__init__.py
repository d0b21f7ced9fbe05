"""pasyn.render"""
