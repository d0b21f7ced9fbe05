"""pasyn.experiment"""
