"""Getting data in: reading files, mapping columns, parsing values, importing into the workspace store.

Modules, one concern each:

* :mod:`geo.io.readers`: any table a planner brings (CSV, XLSX, GeoJSON, GeoPackage, Shapefile, KML);
  with :mod:`geo.io.raw` (what a reader returns, its error), :mod:`geo.io.decode` (the encoding,
  decided per file, repaired or rejected per row) and :mod:`geo.io.text` (CSV and TSV text, any line
  ending, quote or field size);
* :mod:`geo.io.mapping`: which column is which field;
* :mod:`geo.io.parsed`: what a column parser returns (:class:`~geo.io.parsed.Parsed`);
* :mod:`geo.io.numbers`, :mod:`geo.io.dates` (with :mod:`geo.io.date_formats`) and
  :mod:`geo.io.points`: the column parsers;
* :mod:`geo.io.categories`: offence labels to the schema's categories;
* :mod:`geo.io.plausible`: coordinates inside their CRS's area of use, whole-file swaps, the study area;
* :mod:`geo.io.importer`: every row of a file accepted, repaired or rejected;
* :mod:`geo.io.store`: the GeoPackage workspace, written under :mod:`geo.io.lock`.

Import from the modules; the package itself imports nothing, so reading a
workspace does not load the parsers.
"""
