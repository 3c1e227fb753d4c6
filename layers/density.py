"""A kernel density surface as an image overlay with its legend."""

from __future__ import annotations

import folium
import numpy as np

from geo.palette import density_rgba
from geo.stats.density import DensityGrid
from layers.legend import Legend
from layers.style import YLORRD5


def density_layer(grid: DensityGrid, *, name: str = "Density (incidents per km²)",
                  opacity: float = 0.75) -> tuple[folium.raster_layers.ImageOverlay, Legend]:
    """The surface drawn in the browser, transparent where there is (almost) nothing.

    The grid is in the local UTM zone; drawn on a Web Mercator map its cells
    are skewed by a fraction of a degree at city scale, which an overview
    can bear (exports draw it in its own CRS).
    """
    rgba = density_rgba(grid.values, opacity=1.0)  # the overlay itself is translucent
    overlay = folium.raster_layers.ImageOverlay(rgba, bounds=grid.wgs84_bounds(), name=name, opacity=opacity,
                                                interactive=False, cross_origin=False, zindex=2)
    peak = float(np.nanmax(grid.values)) if grid.values.size else 0.0
    steps = np.linspace(0, peak, len(YLORRD5) + 1)[1:]
    rows = [(c, f"up to {v:,.1f}") for c, v in zip(YLORRD5, steps, strict=True)]
    legend = Legend("Incidents per km²", rows, kind="fill",
                    note=f"{grid.kernel} kernel, bandwidth {grid.bandwidth:,.0f} m, cell {grid.cell:,.0f} m")
    return overlay, legend
