"""The interactive explorer: an ipywidgets app, and the Voila server behind ``imgkit explore``."""

from imgkit.widgets._explorer import ImageExplorer
from imgkit.widgets._serve import serve_explorer

__all__ = [
    "ImageExplorer",
    "serve_explorer",
]
