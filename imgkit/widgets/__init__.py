"""The interactive explorer: an ipywidgets app, and the Voila server behind ``imgkit explore``."""

from imgkit.widgets._explorer import GRID_MAX_ROWS, ImageExplorer
from imgkit.widgets._serve import IDLE_TIMEOUT, MAX_KERNELS, serve_explorer

__all__ = [
    "GRID_MAX_ROWS",
    "IDLE_TIMEOUT",
    "MAX_KERNELS",
    "ImageExplorer",
    "serve_explorer",
]
