"""pasyn.prior"""
