"""A kernel density surface as an image overlay with its legend, in the reader's language."""

from __future__ import annotations

import folium
import numpy as np

from geo.i18n import Tr
from geo.palette import KERNEL_LABELS, break_texts, density_rgba
from geo.stats.density import DensityGrid
from layers.legend import Legend
from layers.style import YLORRD5

__all__ = ["density_layer"]


def density_layer(grid: DensityGrid, *, name: str | None = None, opacity: float = 0.75,
                  lang: str = "en") -> tuple[folium.raster_layers.ImageOverlay, Legend]:
    """The surface drawn in the browser, transparent where there is (almost) nothing.

    The grid is in the local UTM zone; drawn on a Web Mercator map its cells
    are skewed by a fraction of a degree at city scale, which an overview
    can bear (exports draw it in its own CRS). The layer is "Density (kernel
    density)" in ``lang`` unless ``name`` is given; the legend's note gives the
    search radius, cell size and kernel.
    """
    _ = Tr(lang)
    rgba = density_rgba(grid.values, opacity=1.0)  # the overlay itself is translucent
    overlay = folium.raster_layers.ImageOverlay(rgba, bounds=grid.wgs84_bounds(),
                                                name=name or _("Density (kernel density)"), opacity=opacity,
                                                interactive=False, cross_origin=False, zindex=2)
    peak = float(np.nanmax(grid.values)) if grid.values.size else 0.0
    steps = np.linspace(0, peak, len(YLORRD5) + 1)[1:]
    # as many figures as it takes for the classes to read differently: never "up to 0.1, up to 0.1"
    rows = [(c, _("up to {value}", value=v)) for c, v in zip(YLORRD5, break_texts(steps, lang=_.lang), strict=True)]
    kernel = _(KERNEL_LABELS[grid.kernel]) if grid.kernel in KERNEL_LABELS else grid.kernel
    legend = Legend(_("Incidents per km²"), rows, kind="fill",
                    note=_("Search radius {bandwidth} m, cell size {cell} m, kernel: {kernel}",
                           bandwidth=_.int(grid.bandwidth), cell=_.int(grid.cell), kernel=kernel))
    return overlay, legend
