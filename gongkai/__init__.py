"""Gongkai: China's grassroots disclosure standard catalogs as linked data."""

__version__ = "0.1.0"
