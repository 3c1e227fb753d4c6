"""Hotspots: density surface, Gi* hot spots, or area rates, with the time charts."""

from __future__ import annotations

import tempfile
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo.crs import to_display
from geo.stats.density import KERNELS, kernel_density
from geo.stats.hotspots import hotspots
from geo.report.tables import top_density_peaks, top_hot_cells
from geo.stats.areas import area_statistics
from geo.stats.temporal import hour_weekday, monthly
from layers.basemap import finish, new_map
from layers.boundaries import boundary_layer, lisa_layer, outline_layer
from layers.density import density_layer
from layers.hotspots import gi_layer
from views.common import current_study, load_data, map_download

data = load_data()
f = st.session_state["filter"]
tiles = st.session_state["tiles"]
st.title("Hotspots")

study = current_study(data, f)
units, inc = study.units, study.incidents
if len(inc) < 3:
    st.info("Fewer than three incidents pass the filters: widen the period, area or categories.")
    st.stop()

method = st.radio("Method", ["Density", "Gi* hot spots", "Rates"], horizontal=True, key="hs_method",
                  help="Density: a smooth surface of incidents per km². Gi*: cells where incidents cluster "
                       "more than chance allows. Rates: incidents per 100,000 residents by settlement.")
extent = units if len(units) else inc
m = new_map(tuple(to_display(extent).total_bounds), tiles=tiles)
table: pd.DataFrame | None = None
download: tuple[str, bytes, str, str] | None = None

if method == "Density":
    c1, c2, c3 = st.columns(3)
    kernel = c1.selectbox("Kernel", KERNELS, key="hs_kernel", help="Quartic is ArcGIS's and CrimeStat's default.")
    bw = c2.number_input("Bandwidth, m (0 = Silverman rule)", min_value=0.0, value=0.0, step=50.0, key="hs_bw",
                         help="Search radius. 0 uses ArcGIS's spatial variant of Silverman's rule.")
    cell = c3.number_input("Cell, m (0 = automatic)", min_value=0.0, value=0.0, step=10.0, key="hs_cell",
                           help="0: the shorter side of the extent divided by 250.")
    grid = kernel_density(inc, kernel=kernel, bandwidth=bw or None, cell=cell or None)
    st.caption(f"Used: {grid.kernel} kernel, bandwidth {grid.bandwidth:,.0f} m, cell {grid.cell:,.0f} m, "
               f"{grid.values.shape[1]}×{grid.values.shape[0]} cells, {grid.crs.to_string()}.")
    overlay, legend = density_layer(grid)
    overlay.add_to(m)
    legend.add_to(m)
    table = top_density_peaks(grid, units)  # the pack's table: the same peaks on screen and on paper
    with tempfile.TemporaryDirectory() as tmp:
        tif = grid.to_geotiff(Path(tmp) / "density.tif")
        download = ("Download the surface (GeoTIFF)", tif.read_bytes(), "density.tif", "image/tiff")

elif method == "Gi* hot spots":
    c1, c2, c3, c4 = st.columns(4)
    shape = c1.selectbox("Cells", ["square", "hex"], key="hs_shape", help="Square fishnet or hexagons.")
    cell = c2.number_input("Cell, m (0 = automatic)", min_value=0.0, value=0.0, step=50.0, key="hs_gcell",
                           help="0: chosen from the incidents as Optimized Hot Spot Analysis does.")
    band = c3.number_input("Distance band, m (0 = automatic)", min_value=0.0, value=0.0, step=50.0, key="hs_band",
                           help="Neighbours within this distance count in each cell's Gi*.")
    perms = c4.selectbox("Inference", [0, 99, 999], key="hs_perm",
                         format_func=lambda p: "analytic" if p == 0 else f"{p} permutations",
                         help="Analytic z-scores (ArcGIS default) or permutation pseudo p-values.")
    res = hotspots(inc, cell=cell or None, shape=shape, band=band or None, boundary=units if len(units) else None,
                   permutations=perms)
    st.caption(f"Used: {res.shape} cells of {res.cell:,.0f} m, distance band {res.band:,.0f} m, "
               f"{len(res.cells):,} cells, False Discovery Rate correction, {res.crs.to_string()}.")
    layer, legend = gi_layer(res.cells)
    layer.add_to(m)
    legend.add_to(m)
    table = top_hot_cells(res.cells, units)  # the pack's table: the same hot spots on screen and on paper
    with tempfile.TemporaryDirectory() as tmp:
        gpkg = Path(tmp) / "hotspots.gpkg"
        res.cells[["count", "gi_z", "gi_p", "gi_bin", res.cells.geometry.name]].to_file(gpkg, layer="hotspots")
        download = ("Download the grid (GeoPackage)", gpkg.read_bytes(), "hotspots.gpkg", "application/geopackage+sqlite3")

else:
    if len(units) == 0:
        st.info("Rates need settlement boundaries with population (import them on the Data page).")
        st.stop()
    kind = st.radio("Show", ["Empirical Bayes rate", "Raw rate", "LISA clusters"], horizontal=True, key="hs_rate",
                    help="Empirical Bayes pulls small settlements' rates towards the overall rate, so a few "
                         "incidents in a village do not look like a crime wave. LISA finds clusters of high "
                         "or low EB rates (Local Moran's I, 999 permutations, FDR).")
    stats = area_statistics(inc, units, days=f.days)
    if kind == "LISA clusters":
        layer, legend = lisa_layer(stats)
    else:
        value = "eb_rate" if kind.startswith("Empirical") else "rate"
        layer, legend = boundary_layer(stats, value=value, name=kind,
                                       title=f"{kind} per 100,000{' a year' if f.days else ''}")
    layer.add_to(m)
    legend.add_to(m)
    table = pd.DataFrame({
        "settlement": stats["name"], "population": stats["population"], "incidents": stats["count"],
        "rate": stats["rate"].round(1), "EB rate": stats["eb_rate"].round(1), "LISA": stats["lisa_cluster"],
    }).sort_values("EB rate", ascending=False)
    download = ("Download the table (CSV)", table.to_csv(index=False).encode("utf-8-sig"), "rates.csv", "text/csv")

if method != "Rates":
    outline_layer(units).add_to(m)
finish(m)
st_folium(m, key=f"hotspot_map_{method}", height=560, use_container_width=True, returned_objects=[])
map_download(m, name="hotspot_map", title="Hot spots")
if table is not None and len(table):
    st.subheader("Top hotspots" if method != "Rates" else "Settlements")
    st.dataframe(table, hide_index=True, width="stretch")
if download:
    st.download_button(*download)

st.subheader("When")
c1, c2 = st.columns(2)
hw = hour_weekday(inc)
long = hw.reset_index(names="weekday").melt("weekday", var_name="hour", value_name="incidents")
c1.altair_chart(
    alt.Chart(long).mark_rect().encode(
        x=alt.X("hour:O", title="Hour of day"), y=alt.Y("weekday:O", sort=list(hw.index), title=None),
        color=alt.Color("incidents:Q", scale=alt.Scale(scheme="orangered")),
        tooltip=["weekday", "hour", "incidents"]).properties(title="Hour of day by weekday", height=260),
    width="stretch")
mon = monthly(inc)
c2.altair_chart(
    alt.Chart(mon.reset_index(names="month").melt("month", var_name="category", value_name="incidents"))
    .mark_line().encode(x=alt.X("month:T", title=None), y="incidents:Q", color="category:N",
                        tooltip=["month:T", "category", "incidents"]).properties(title="Incidents per month", height=260),
    width="stretch")
