"""pasyn.stylize"""
