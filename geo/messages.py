"""The library's messages as templates: what a page may show of an import, a check or an analysis.

The library writes its messages in English and stores them so (a rejected
row's reason in ``rejected_<layer>``, the import log): a workspace is read by
people of every language. Each message is built from one of the templates
below, the template being the catalog's msgid::

    BAD_DATE = N_("date '{value}' cannot be read")
    BAD_DATE.format(value="31.02")             # what the library writes
    Tr("ru").message("date '31.02' cannot be read")   # what a Russian page shows

:meth:`geo.i18n.Tr.message` finds the template a stored text was built from
(each template compiled to a pattern, ``{field}`` matching any text, the most
specific template first), translates it and puts the fields back.

Why one module for every template, rather than each beside the code that
uses it: :mod:`geo.i18n` (rank 0) must know every template to recognise a
stored message, and may not import :mod:`geo.io` or any higher rank. A
registry filled as modules are imported would be module-level mutable state
(and would depend on what happened to be imported). So the templates live
here, at rank 0, importing nothing of ``geo``; the modules that write a
message import its template from here; :data:`TEMPLATES` is built once, at
import, from this module's constants, and never changes.

Conventions:

* a field named in :data:`VERBATIM` (``value``, ``file``, ``columns`` ...) holds the
  user's own text and is never translated; any other field whose value is a
  library word or message (``{field}`` = "latitude", ``{detail}`` = "there is no
  month 13") is translated too; numbers are left as written;
* no format specifications in templates (``{n}``, never ``{n:,}``): numbers are
  formatted before they are put in, so the pattern reads them back as text;
* :func:`parts` splits a template into pieces for the vectorised message
  builders of :mod:`geo.io.parsed` (per-row arrays in place of fields).
"""

from __future__ import annotations

import string
from collections.abc import Mapping

__all__ = ["COUNTS", "FRAGMENTS", "FRAGMENT_FIELDS", "NESTED", "N_", "TEMPLATES", "VERBATIM", "WORDS", "fields_of",
           "parts"]


def N_(message: str) -> str:  # noqa: N802 - gettext's conventional name
    """Mark ``message`` for the catalog without translating it now (a constant translated where it is shown)."""
    return message


# Fields that hold the user's own text (a value, a file or column name): shown as written in every language.
VERBATIM = frozenset({"value", "file", "columns", "column", "name", "sheet", "sheets", "layers", "item", "path",
                      "names", "time", "crs", "given", "raw", "encoding", "words", "contents", "delimiter", "suffix",
                      "source", "zone", "code"})

# Fields that may hold a whole message, "; " and all (another message joins its parts with "; ").
NESTED = frozenset({"why", "reason", "reasons", "message", "error", "detail"})
# Fields that hold a count or a row number, nothing else ("N" is a number in a reason's kind: "row N").
COUNTS = frozenset({"x", "y", "n", "total", "row", "line", "last", "header", "days", "need", "seconds", "distance"})
# Fields filled with one of the FRAGMENTS below; elsewhere a fragment (as general as "{start} to {end}")
# is never tried, or it would read any text with " to " in it.
FRAGMENT_FIELDS = frozenset({"span", "box", "chosen", "reasons", "listed", "rows", "size", "limit"})

# ---------------------------------------------------------------- words that fill other messages' fields
WORDS = (
    N_("latitude"), N_("longitude"), N_("year"), N_("month"), N_("day"), N_("hour"), N_("minute"),
    N_("coordinates"), N_("first"), N_("second"),
    # the import's fields, as the rejected rows name them
    N_("category"), N_("occurred_at"), N_("name"), N_("geometry"), N_("row"), N_("id"), N_("weight"), N_("opened"),
    N_("installed"), N_("population"), N_("direction_deg"), N_("fov_deg"), N_("range_m"), N_("speed_kmh"),
    # the other roles a column can have (the fields --map names)
    N_("date"), N_("time"), N_("description"), N_("lat"), N_("lon"), N_("kind"), N_("address"), N_("area"),
    N_("district_name"), N_("name_ru"), N_("name_ky"), N_("road_class"),
    # the layers
    N_("incidents"), N_("stations"), N_("cameras"), N_("boundaries"), N_("roads"),
    # the kinds of station
    N_("station"), N_("post"),
    # a solver's outcome, shown beside a proposal
    N_("optimal"), N_("time limit"), N_("not proven"), N_("infeasible"), N_("feasible"),
)

# ---------------------------------------------------------------- reading a file (geo.io.readers, decode, text)
FILE_UNKNOWN_TYPE = N_("{file}: unknown file type {suffix}; expected CSV, TSV, XLSX, GeoJSON, GeoPackage, "
                       "zipped Shapefile or KML")
FILE_NO_EXTENSION = N_("(no extension)")
FILE_MISSING = N_("{file}: no such file")
FILE_UNREADABLE = N_("{file}: cannot be read ({reason})")
FILE_SYMLINK = N_("{file}: is a symbolic link, not a file; give the file itself")
FILE_FOLDER = N_("{file}: is a folder, not a file")
FILE_SPECIAL = N_("{file}: is not a regular file (a device, pipe or socket)")
FILE_EMPTY = N_("{file}: the file is empty")
FILE_TOO_LARGE = N_("{file}: the file is {size}, more than the {limit} that can be read; split it into smaller files")
FILE_GREW = N_("{file}: the file grew past {limit} while it was read; split it into smaller files")
FILE_NOT_SPATIAL = N_("{file}: not a spatial file; give polygons as GeoJSON, GeoPackage, zipped Shapefile or KML")
FILE_LAYER_NO_CRS = N_("{file}: the layer has no coordinate reference system")
FILE_NOT_EXCEL = N_("{file}: not a readable Excel workbook ({reason})")
FILE_NO_SHEET = N_("{file}: no sheet '{sheet}'; sheets: {sheets}")
FILE_SHEETS_EMPTY = N_("{file}: every sheet is empty")
FILE_SHEETS_SEVERAL = N_("{file}: several sheets hold data ({sheets}); choose one")
FILE_SHEET_NO_ROWS = N_("{file}: sheet '{sheet}' has a header but no data rows")
FILE_UNPACKS_LARGE = N_("{file}: its contents unpack to {size}, more than the {limit} that can be read; split it, "
                        "or save the table as CSV")
SIZE_MIB = N_("{n} MiB")
SIZE_BYTES = N_("{n} bytes")
NOTE_GDAL = N_("GDAL: {reason}")
FILE_BAD_ZIP = N_("{file}: not a valid zip file")
FILE_ZIP_NO_SHP = N_("{file}: the zip holds no Shapefile (.shp); it contains: {contents}")
FILE_ZIP_NOTHING = N_("nothing")
FILE_ZIP_SEVERAL = N_("{file}: the zip holds several Shapefiles ({names}); choose one")
FILE_ZIP_PARTS = N_("{file}: {name} lacks its {parts} part(s)")
FILE_NOT_SPATIAL_READABLE = N_("{file}: not a readable spatial file ({reason})")
FILE_LAYERS_SEVERAL = N_("{file}: several layers ({layers}); choose one")
FILE_NO_LAYERS = N_("{file}: the file holds no layer")
FILE_NO_LAYER = N_("{file}: no layer '{name}'; layers: {layers}")
FILE_LAYER_UNREADABLE = N_("{file}: cannot read layer '{name}' ({reason})")
FILE_LAYER_NO_GEOMETRY = N_("{file}: layer '{name}' has no geometry")
FILE_LAYER_NO_FEATURES = N_("{file}: layer '{name}' has no features")
FILE_NOTE_SHEET = N_("sheet '{sheet}'")
FILE_NOTE_LAYER = N_("layer '{name}'")
NO_GEOMETRY = N_("no geometry")
POLYGON_DEGENERATE = N_("the polygon is degenerate")
NOT_A_POLYGON = N_("not a polygon: {kind}")
FILE_BINARY = N_("{file}: this is a binary file, not a text table ({reason})")
FILE_NUL = N_("it contains NUL bytes")
FILE_CONTROLS = N_("{what}: control characters in its first lines")
FILE_NOT_TEXT = N_("not text")
FILE_NOT_UTF8_CP1251 = N_("neither UTF-8 nor CP1251 text")
FILE_NOT_ENCODING_TEXT = N_("not {encoding} text")
FILE_NO_TEXT = N_("{file}: the file has no text")
FILE_NO_HEADER = N_("{file}: the file has no header line")
FILE_HEADER_UNREADABLE = N_("{file}: the header line cannot be read ({reason})")
FILE_HEADER_NO_ROWS = N_("{file}: the file has a header ({columns}) but no data rows")
FILE_ONE_COLUMN = N_("{file}: only one column was found ('{column}'); the delimiter is probably '{delimiter}', not "
                     "'{given}'")
ROW_FIELD_COUNT = N_("row has {n} fields, the header has {header}")
ROW_FIELD_COUNT_QUOTE = N_("row has {n} fields, the header has {header} (a quote (\") is not closed)")
ROW_FIELD_COUNT_CR = N_("row has {n} fields, the header has {header} (a carriage return (\\r) alone ends a line "
                        "here: is it a stray one inside a field?)")
LINE_UNSPLIT = N_("line {line} cannot be split into fields ({reason})")
LINE_NOT_TEXT = N_("line {line} holds bytes that are not text in {encoding}: {raw}")
QUOTE_OPEN_TO_LINE = N_("a quote (\") opened on line {line} is not closed on that line; read on, the field would "
                        "swallow the rows down to line {last}")
QUOTE_OPEN_TO_END = N_("a quote (\") opened on line {line} is not closed on that line; read on, the field would "
                       "swallow the rows to the end of the file")
FIELD_TOO_LONG_LINES = N_("the quoted field over lines {line} to {last} is longer than {limit} characters (the limit)")
FIELD_TOO_LONG = N_("a field is longer than {limit} characters (the limit)")
ROWS_EMPTY_SKIPPED = N_("{n} row(s) with every field empty skipped (rows {rows})")
BYTES_AS_CP1251 = N_("bytes that are not UTF-8 read as CP1251: {words}")

# ---------------------------------------------------------------- the workspace (geo.io.store, geo.io.lock)
WS_NOT_GEOPACKAGE = N_("{file}: not a readable GeoPackage ({reason})")
WS_BUSY = N_("{file}: another import is in progress; try again (waited {seconds} s for it to finish)")
WS_TABLE_UNREADABLE = N_("{file}: cannot read table '{name}' ({reason})")
WS_NOTHING_TO_COPY = N_("{file}: no workspace to copy")
WS_INTEGRITY = N_("{file}: integrity check failed ({reason})")
WS_TABLE_NO_CRS = N_("table '{name}' has no CRS")
WS_LOCKED = N_("{file}: still locked after {seconds} s")

# ---------------------------------------------------------------- the importer (geo.io.importer, mapping)
IMP_NO_CATEGORY_COLUMN = N_("{file}: no column for the offence type; map one with --map category=COLUMN "
                            "(columns: {listed})")
IMP_NO_DATE_COLUMN = N_("{file}: no date column; map one with --map date=COLUMN (or year, month and day columns) "
                        "(columns: {listed})")
IMP_NO_FIELD_COLUMN = N_("{file}: no column for {field}; map one with --map {field}=COLUMN (columns: {listed})")
IMP_NO_COORDINATE_COLUMNS = N_("{file}: no coordinate columns; map them with --map lat=COLUMN --map lon=COLUMN "
                               "(or x and y) (columns: {listed})")
IMP_MORE_COLUMNS = N_("{columns}, … {n} more")
IMP_NEEDS_SHAPES = N_("{file}: {layer} need shapes; give a spatial file (GeoJSON, GeoPackage, zipped Shapefile "
                      "or KML), not a table")
IMP_CRS_CONFLICT = N_("{file}: the file says its CRS is {crs}, but {given} was given; leave out --crs or fix the file")
IMP_NO_CRS = N_("{file}: the file has no coordinate reference system; give one with --crs (e.g. 4326)")
IMP_UNKNOWN_CRS = N_("unknown CRS '{value}'; give an EPSG code such as 4326 (WGS84) or 32643 (UTM 43N)")
IMP_CHANGED = N_("{file}: the layer changed since you checked it ({layer} were changed by another import "
                 "meanwhile); check {source} again before replacing them")
IMP_NOTHING = N_("{file}: no row could be imported as {layer} ({n} rejected); reasons: {reasons}")
IMP_REASON_COUNT = N_("{problem} ({n})")
IMP_NONE = N_("none")
IMP_DUPLICATE_ID = N_("id is already in the workspace")
IMP_CATEGORY_EMPTY = N_("offence type is empty")
IMP_FIELD_EMPTY = N_("{field} is empty")
IMP_LEFT_EMPTY = N_("{field}: {error}; left empty")
IMP_KIND_READ = N_("kind '{value}' read as {kind}")
IMP_NO_ID_COLUMN = N_("no id column: ids made from the file name and row number")
IMP_NO_POPULATION = N_("no population column: rates per 100,000 need one (--map population=COLUMN)")
IMP_FILE_SWAPPED = N_("latitude and longitude are swapped in the whole file ({why}); every feature was read "
                      "the other way round")
IMP_FILE_SWAPPED_ROWS = N_("latitude and longitude are swapped in the whole file ({why}); every row was read "
                           "the other way round")
IMP_CRS_UNKNOWN_NOTE = N_("coordinate system not recognised: {reason}")
IMP_GEOMETRY_REPAIRED = N_("invalid geometry repaired with make_valid ({reason})")
MAP_NO_COLUMN = N_("no column '{column}' to map to {field}; columns: {columns}")
MAP_UNKNOWN_LAYER = N_("unknown layer type '{value}'; expected one of {names}")
MAP_NOT_A_FIELD = N_("'{value}' is not a field of {layer}; fields: {names}")
MAP_SYNTAX = N_("--map takes FIELD=COLUMN, not '{value}'")
IN_FILE = N_("{file}: {message}")

# ---------------------------------------------------------------- numbers, dates and times (geo.io.numbers, dates)
EMPTY = N_("empty")
NOT_FINITE = N_("not a finite number")
NOT_A_NUMBER = N_("'{value}' is not a number")
DATE_NO_MONTH = N_("there is no month {month}")
DATE_NO_DAY_0 = N_("there is no day 0")
DATE_MONTH_DAYS = N_("{month} {year} has {days} days")
DATE_ORDER_MISFIT = N_("date '{value}' does not fit the order of this column ({form}): {detail}")
DATE_MISSING = N_("date '{value}' does not exist ({detail})")
DATE_YEAR_RANGE = N_("year {year} is out of range ({low} to {high}) in '{value}'")
DATE_CLOCK_IN = N_("{reason} in '{value}'")
DATE_EXCEL_NUMBER = N_("'{value}' is a number, not a date (an Excel day number? export the column as dates)")
DATE_UNREADABLE = N_("'{value}' is not a date in a known format (such as dd.mm.yyyy, yyyy-mm-dd or mm/dd/yyyy)")
DATE_ONLY_WAYS = N_("{a} only a date as {first} and {b} only a date as {second}; each of those is read the one "
                    "way it can be")
DATE_VALUE_IS = N_("{n} value is")
DATE_VALUES_ARE = N_("{n} values are")
DATE_READ_ONLY_WAY = N_("read as {form} ({order}), the only reading that is a date; this column mixes day-first "
                        "and month-first dates")
DATE_MIXED = N_("ambiguous date '{value}': this column mixes day-first and month-first dates; choose the order "
                "({first} or {second})")
DATE_DAY_ABOVE_12_ONE = N_("{n} value in this format has a day above 12")
DATE_DAY_ABOVE_12 = N_("{n} values in this format have a day above 12")
DATE_REFUSED_ONE = N_("{n} value that only fit the other order are refused")
DATE_REFUSED = N_("{n} values that only fit the other order are refused")
DATE_READ_AS = N_("date read as {form} ({order}): {why}")
DATE_EITHER = N_("ambiguous date '{value}': day and month could be either; choose the order ({first} or {second})")
DATE_NEAREST = N_("no value has a day above 12; read as {form}, which puts the dates nearest the file's other "
                  "dates ({span})")
DATE_AMBIGUOUS_READ = N_("ambiguous date read as {order} ({form}), matching the file's other dates ({span})")
DATE_SPAN = N_("{start} to {end}")
TIME_NOT_TIME = N_("time '{value}' is not a time of day")
TIME_NOT_TIME_EG = N_("time '{value}' is not a time of day (such as 14:30 or 2:30 PM)")
TIME_CLOCK_IN = N_("{reason} in time '{value}'")
TIME_ZONE_DROPPED = N_("time zone {zone} dropped; the clock time is kept as written")
TIME_DIFFERS = N_("date '{value}' has a time that differs from the time column ('{time}')")
TIME_NONE = N_("no time given; read as 00:00")
PART_EMPTY_ZERO = N_("{field} is empty; read as 0")
PART_ERROR = N_("{field}: {error}")
PART_NOT_WHOLE = N_("{field} {number} is not a whole number")
PART_RANGE = N_("{field} {number} is out of range ({low} to {high})")
PART_NO_DAY = N_("day {day} does not exist in {month} {year}")
CLOCK_PM_0 = N_("hour 0 does not go with PM")
CLOCK_AM_13 = N_("hour {hour} does not go with AM")
CLOCK_HOUR = N_("hour {hour} is out of range")
CLOCK_MINUTE = N_("minute {minute} is out of range")
CLOCK_SECOND = N_("second {second} is out of range")
CLOCK_PM_24 = N_("hour {hour} with PM read on the 24-hour clock")
MONTH_NAMES = (N_("January"), N_("February"), N_("March"), N_("April"), N_("May"), N_("June"), N_("July"),
               N_("August"), N_("September"), N_("October"), N_("November"), N_("December"))
ORDER_WORDS = {"dmy": N_("day/month/year"), "mdy": N_("month/day/year"), "ymd": N_("year/month/day"),
               "ydm": N_("year/day/month")}

# ---------------------------------------------------------------- coordinates (geo.io.points, plausible)
PT_EMPTY = N_("coordinates are empty")
PT_PART_EMPTY = N_("{field} is empty")
PT_PART_NOT_FINITE = N_("{field} is not a finite number")
PT_WITHHELD = N_("coordinates withheld ({x}, {y})")  # (0, 0); a reason's kind reads "(N, N)"
PT_PLACEHOLDER = N_("placeholder coordinates ({number}, {number})")
PT_COPIED = N_("both coordinates are {number}; one was probably copied into the other")
PT_FILE_SWAPPED = N_("latitude and longitude were swapped in the whole file; fixed")
PT_SWAPPED = N_("{what} were swapped; fixed")
PT_LAT_RANGE = N_("latitude {number} is out of range (-90 to 90)")
PT_LON_RANGE = N_("longitude {number} is out of range (-180 to 180)")
PT_X_ZONE = N_("x {number} is outside Kyrg-06 zone {zone} ({low} to {high})")
PT_Y_RANGE = N_("y {number} is outside Kyrgyzstan's northings ({low} to {high})")
PT_NAMES = (N_("latitude and longitude"), N_("x and y"), N_("x (easting)"), N_("y (northing)"),
            N_("first coordinate"), N_("second coordinate"))
PT_NOTHING_TO_RECOGNISE = N_("no coordinates to recognise the CRS from")
PT_DEGREES = N_("values look like degrees ({share} of them: one column within ±90, the other within ±180), read "
                "as WGS84 longitude/latitude (EPSG:4326)")
PT_KYRG06 = N_("eastings and northings fit Kyrgyzstan's national grid Kyrg-06 zone {zone} (EPSG:{code}: false "
               "easting {easting} m, central meridian {meridian}°31' E)")
PT_UTM = N_("projected coordinates in metres, probably UTM zone 42, 43 or 44 north (EPSG:32642, 32643 or 32644); "
            "the zone cannot be told from the numbers, so give the EPSG code (32643 for Bishkek)")
PT_NO_CRS = N_("the coordinates fit no CRS that can be recognised (x {xmin} to {xmax}, y {ymin} to {ymax}); give "
               "the CRS (e.g. 4326 for longitude/latitude, 7694 for Kyrg-06 zone 3, 32643 for UTM zone 43N)")
PT_UNKNOWN_CRS = N_("unknown CRS '{value}': {reason}")
PT_NOT_FINITE = N_("not a finite coordinate '{value}'")
PT_OUTSIDE_CRS = N_("coordinate '{value}' is outside the area of use of {crs} ({area})")
PT_OUTSIDE_CRS_METRES = N_("coordinate '{value}' is outside the area of use of {crs} ({area}); the values look "
                           "like metres, not degrees: check the file's CRS")
PT_DEGREES_IN_METRES = N_("coordinate '{value}' looks like longitude/latitude in degrees, but {crs} is in {unit}s; "
                          "check the file's CRS")
# geo.schema.area_of_use's words for a CRS's area (filled into {area} above)
AREA_DEGREES = N_("longitude {west} to {east}, latitude {south} to {north}")
AREA_BOX = N_("{west} to {east}, {south} to {north}, with a {margin}° margin")
PT_OUTSIDE_STUDY_ONE = N_("{n} of the {total} {layer} lies more than {km} km outside the workspace's boundaries "
                          "({box}): row(s) {rows}; the farthest, row {row}, is {distance} km away at {where}. "
                          "They are kept: check their coordinates")
PT_OUTSIDE_STUDY = N_("{n} of the {total} {layer} lie more than {km} km outside the workspace's boundaries "
                      "({box}): row(s) {rows}; the farthest, row {row}, is {distance} km away at {where}. "
                      "They are kept: check their coordinates")
PT_ROWS_MORE = N_("{rows} and {n} more")

# ---------------------------------------------------------------- the study selection (geo.select)
SEL_NO_BOUNDARIES = N_("choosing an area or settlements needs a boundaries layer")
SEL_NO_MATCH = N_("no settlements match {chosen}")
SEL_NO_MATCH_AREAS = N_("no settlements match {chosen}; areas: {names}")
SEL_AREA = N_("area '{name}'")
SEL_SETTLEMENTS = N_("settlements {names}")
SEL_BOTH = N_("{area} and {settlements}")
SEL_UNKNOWN = N_("unknown settlements {names}")
SEL_PREVIOUS = N_("a previous period needs both start and end")
SEL_LAYER_NO_CRS = N_("the {layer} layer has no CRS")
SEL_NO_UNITS = N_("incidents have no '{column}' column; call geo.select.assign_units first")

# ---------------------------------------------------------------- analyses a page runs (geo.stats, coverage, siting)
HS_TOO_FEW = N_("hot spot analysis needs at least {need} incidents inside the boundary, got {n}")
HS_TOO_FEW_ALL = N_("hot spot analysis needs at least {need} incidents, got {n}")
HS_FEW_CELLS = N_("only {n} cells to analyse: give a smaller cell or a larger boundary")
HS_BAND_CELL = N_("the band ({band} m) must be at least the cell size ({cell} m), or cells have no neighbours")
HS_BAND_AUTO = N_("the band ({band} m) is smaller than the automatic cell size ({cell} m); give a smaller cell or a "
                  "larger band")
# what is emerging, what repeats, which map predicts best (geo.spacetime, geo.forecast)
EM_FEW_STEPS = N_("emerging hot spots need at least {need} time steps, got {steps}; take shorter steps or a longer "
                  "period")
EM_LAG = N_("the earlier periods in each neighbourhood ({lag}) may span at most three quarters of the {steps} time steps")
ST_NO_TIMES = N_("no incident has a time: a space-time analysis needs incident times")
NR_BANDS_NUMBERS = N_("{name} must be numbers separated by commas, such as 0,100,200; got {value}")
NR_BANDS_EMPTY = N_("{name} must be at least one number, such as 0,100,200; got {value}")
NR_BANDS_NEGATIVE = N_("{name} must be numbers of at least 0 (the last band is open-ended by itself); got {value}")
NR_BANDS_ORDER = N_("{name} must increase from one edge to the next; got {value}")
NR_BANDS_DAYS = N_("{name} must be whole days, such as 0,7,14,21; got {value}")
NR_TOO_FEW = N_("the Knox test needs at least 2 events (a pair), got {n}")
FC_FEW_MONTHS = N_("checking maps month by month with {train} months to draw them from needs at least {need} months "
                   "of incidents in the study area, got {n}")
FC_TOO_FEW = N_("a forecast needs at least {need} incidents with a place and a time, got {n}")
FC_NO_TEST = N_("no incidents in the test period: there is nothing to predict")
FC_FEW_TRAIN = N_("fewer than {need} incidents to train on")
# what new sites should cover (geo.siting.demand) and a point file read as it is (geo.io.pointfile)
DEMAND_NO_WEIGHT = N_("{file}: no column {column} of weights; columns: {columns}")
DEMAND_BAD_WEIGHT = N_("{file}: the weight {column} is not a number of 0 or more in rows {rows}")
DEMAND_SHARE = N_("the incidents' part of the goal must lie between 0 and 1, got {share}")
DEMAND_NO_INCIDENTS = N_("no incidents to cover: give the incidents a part of 0, or data with some")
DEMAND_NO_RESIDENTS = N_("no residents to cover: give the incidents the whole goal, or settlements with a population")
POINTS_BAD_ROWS = N_("{file}: {n} of {read} rows have no usable point ({rows}); fix or remove them: every row "
                     "counts, so none is left out silently")
POINTS_BAD_ROWS_DATED = N_("{file}: {n} of {read} rows have no usable point or date ({rows}); fix or remove them: "
                           "every row counts, so none is left out silently")
HS_NO_CRS = N_("incidents without a CRS cannot be placed; give their CRS (e.g. EPSG:4326)")
HS_NOT_POINTS = N_("hot spot analysis takes incident points; convert other geometries first")
HS_BAND_HEX = N_("the band ({band} m) must reach the adjacent hexagons ({spacing} m apart)")
GI_TOO_FEW = N_("Gi* needs at least 2 analysed cells, got {n}")
LISA_TOO_FEW = N_("local Moran's I needs at least {need} units, got {n}")
KDE_TOO_FEW = N_("the default bandwidth needs at least 2 points, got {n}; give a bandwidth in metres")
KDE_WIDE = N_("a bandwidth of {bandwidth} m spans too many {cell} m cells; use a larger cell")
GRID_TOO_LARGE = N_("a {cell} m cell gives a {rows} x {cols} grid, over {limit} cells; use a cell of at least "
                    "{larger} m")
KDE_ZERO = N_("the default bandwidth is 0: all points (or all the weight) are at one place; give a bandwidth in "
              "metres")
KDE_NOT_POINTS = N_("kernel density needs point geometries; take centroids or representative points first")
KDE_NO_POINTS = N_("no located points to compute a density from")
LISA_NO_UNITS = N_("incidents have no 'unit' column; call geo.select.assign_units first")
LATTICE_TOO_LARGE = N_("a grid of {rows} x {cols} cells is too large; give a larger cell")
CRS_NOT_METRIC = N_("{crs} is not a projected (metric) CRS")
CRS_LAYER_NONE = N_("a layer without a CRS cannot be placed; give its CRS (e.g. EPSG:4326)")
CRS_NO_FEATURES = N_("no located features to choose a local CRS from")
CRS_THEY_HAVE_NONE = N_("{layer} have no CRS; give their CRS (e.g. EPSG:4326)")
CRS_NOT_POINTS = N_("{layer} must be points (geometry type ids {kinds} found); take centroids or representative "
                    "points first")
SITE_NO_CANDIDATES = N_("no candidate sites left (all excluded or without a location)")
SITE_PMEDIAN_LARGE = N_("a p-median of {n} incidents x {sites} sites is too large: give aggregate (a cell size in "
                        "metres) or fewer candidates")
SITE_PMEDIAN_PAIRS = N_("the p-median needs {n} demand-candidate pairs (limit {limit}): aggregate the demand points "
                        "(e.g. to a grid) or use fewer candidates")
SITE_GRID_LARGE = N_("a {spacing} m grid over this area has {n} points (limit {limit}); use a wider spacing")
SITE_NO_POPULATION = N_("boundaries need a population column")
COVER_NO_POPULATION = N_("boundaries have no population column to weight")
CHECK_MUST_BE = N_("{name} must be {what}, got {value}")
CHECK_POSITIVE = N_("a positive number")
CHECK_POSITIVE_UNIT = N_("a positive number of {unit}")
UNIT_WORDS = (N_("metres"), N_("minutes"), N_("seconds"), N_("km/h"))
CHECK_WHOLE = N_("{name} must be a whole number >= {minimum}, got {value}")
CHECK_CHOICE = N_("{name} must be one of {names}; got {value}")

# ---------------------------------------------------------------- units by id (issue 13, item 1: geo.select, geo.stats.rates)
SEL_UNIT_REPEATED = N_("'{name}' names {n} settlements; choose one by its id: {ids}")
IMP_UNIT_ID_DUPLICATE = N_("{file}: the id column '{column}' repeats {ids} (rows {rows}); every settlement needs its "
                           "own id")
RATE_FEW_RESIDENTS = N_("fewer than {n} residents: no rate")
RATE_NO_POPULATION = N_("no population figure: no rate")

# ---------------------------------------------------------------- the data-health check (geo.health; issue 13 item 2)
HEALTH_OUTSIDE = N_("{n} of {total} incidents ({share}) lie outside every settlement; rates and coverage count only "
                    "the {inside} inside")
HEALTH_ALL_OUTSIDE = N_("all {total} incidents lie outside every settlement ({names}); no rate or coverage can be "
                        "computed for them")
HEALTH_NO_POPULATION = N_("{n} of {total} settlements have no population and get no rate: {names}")
HEALTH_FAR_STATIONS = N_("{n} of {total} police stations lie more than {km} km from every incident: {names}")
HEALTH_FAR_CAMERAS = N_("{n} of {total} cameras lie more than {km} km from every incident")
HEALTH_OTHER = N_("{n} of {total} incidents ({share}) have the category Other; the commonest labels without a "
                  "category: {names}")
HEALTH_FAR_APART = N_("the incidents lie {km} km from the settlement boundaries: a wrong coordinate system, or "
                      "boundaries of another place")
HEALTH_DEMO_BOUNDARIES = N_("the incidents were imported from {file}, but the settlements are still the invented "
                            "demo ones")

# ---------------------------------------------------------------- periods (geo.periods; issue 13, item 11)
PERIOD_UNREADABLE = N_("the period '{value}' cannot be read: write a year (2017), a quarter (2017-Q3), a month "
                       "(2017-10) or two days (2017-10-05..2017-11-20)")
PERIOD_END_BEFORE_START = N_("the period ends on {end}, before it starts on {start}")
PERIOD_KIND = N_("'{value}' is not a kind of period: year, quarter or month")


# ---------------------------------------------------------------- the workspace's categories (geo.categories; issue 13, item 10)
CAT_UNKNOWN = N_("unknown category '{name}'; categories: {names}")
CAT_NEEDS_NAME = N_("a new category needs a name")
CAT_OTHER_STAYS = N_("the category Other cannot be removed: a label with no category lands in it")
CAT_MERGE_ITSELF = N_("a category cannot be merged into itself")
CAT_BAD_KEYS = N_("category keys must be lower-case Latin letters, digits and _: {names}")
CAT_KEYS_REPEAT = N_("category keys repeat: {names}")


# ---------------------------------------------------------------- the workspace's source line (geo.io.provenance; issue 13, item 9)
# One part per imported layer, then the layers left as they were, joined by "; ": the maps' footer, the pack's
# cover, the Export page and the downloaded web maps. {date} is YYYY-MM-DD; {origin} is the workspace's title.
SOURCE_IMPORTED = {
    "incidents": N_("Incidents: {file}, imported {date}"),
    "stations": N_("Police stations: {file}, imported {date}"),
    "cameras": N_("Video cameras: {file}, imported {date}"),
    "boundaries": N_("Settlement boundaries: {file}, imported {date}"),
    "roads": N_("Roads: {file}, imported {date}"),
}
SOURCE_FILE = {
    "incidents": N_("Incidents: {file}"),
    "stations": N_("Police stations: {file}"),
    "cameras": N_("Video cameras: {file}"),
    "boundaries": N_("Settlement boundaries: {file}"),
    "roads": N_("Roads: {file}"),
}
SOURCE_FROM = {
    "incidents": N_("Incidents: {origin}"),
    "stations": N_("Police stations: {origin}"),
    "cameras": N_("Video cameras: {origin}"),
    "boundaries": N_("Settlement boundaries: {origin}"),
    "roads": N_("Roads: {origin}"),
}
SOURCE_OTHER = N_("Other layers: {origin}")

# ---------------------------------------------------------------- municipalities side by side (geo.report.municipalities; issue 14, item 3)
MUNI_SOME_WITHOUT_POPULATION = N_("{n} of {total} settlements have no population figure: no rate for the municipality")
MUNI_NO_PREVIOUS = N_("no data for {year}: no change")
MUNI_NONE_BEFORE = N_("no incidents in {year}: no change in %")

# ---------------------------------------------------------------- accounts, roles and the audit trail (geo.auth; issue 15, items 1, 2, 5)
ROLE_LABELS = {"admin": N_("administrator"), "analyst": N_("analyst"), "viewer": N_("viewer"),
               "public": N_("public")}
AUDIT_ACTION_LABELS = {
    "sign_in": N_("signed in"), "sign_in_failed": N_("sign-in refused"), "locked": N_("account locked"),
    "sign_out": N_("signed out"), "import": N_("data imported"), "export": N_("file exported"),
    "publish": N_("published"), "role_change": N_("role changed"), "user_change": N_("account changed"),
    "view_exact_points": N_("exact points viewed"), "replace_layer": N_("layer replaced"),
    "reset_to_demo": N_("started again from the demo"), "withdraw": N_("publication withdrawn"),
    "privacy_change": N_("privacy settings changed"),
}
AUTH_REFUSED = N_("wrong user name or password")
AUTH_DISABLED = N_("this account is disabled: ask an administrator")
AUTH_LOCKED = N_("too many wrong passwords: this account is locked until {time} UTC")
AUTH_NO_USER = N_("there is no user {value}")
AUTH_USER_EXISTS = N_("user {value} already exists")
AUTH_BAD_USERNAME = N_("{value} cannot be a user name: use 1 to 64 lower-case Latin letters, digits, '.', '_', '-' "
                       "or '@', starting with a letter")
AUTH_BAD_ROLE = N_("{value} is not a role: use admin, analyst, viewer or public")
AUTH_BAD_MUNICIPALITY = N_("{value} cannot name a municipality: use its key, or * for every municipality")
AUTH_SHORT_PASSWORD = N_("the password is too short: use at least {n} characters")
AUTH_LONG_PASSWORD = N_("the password is too long: use at most {n} characters")
AUTH_NO_NAME = N_("give the user's name")
AUDIT_WRONG_PASSWORD = N_("wrong password")
AUDIT_UNKNOWN_USER = N_("no such user")
AUDIT_WHILE_DISABLED = N_("account disabled")
AUDIT_LOCKED_FOR = N_("{n} wrong passwords: locked until {time} UTC")
AUDIT_USER_ADDED = N_("user {value} added")
AUDIT_USER_DISABLED = N_("user {value} disabled")
AUDIT_USER_ENABLED = N_("user {value} enabled")
AUDIT_PASSWORD_RESET = N_("password of {value} reset")
AUDIT_ROLE_SET = N_("role of {value} set to {role} in {name}")
AUDIT_ROLE_SET_ALL = N_("role of {value} set to {role} in every municipality")
AUDIT_ROLE_REMOVED = N_("role of {value} in {name} removed")
AUDIT_ROLE_REMOVED_ALL = N_("role of {value} in every municipality removed")
# single sign-on (geo.auth.sso)
AUTH_SSO_BAD_IDENTITY = N_("{value} cannot be a sign-on identity: give the e-mail address or subject the provider "
                           "sends, at most 320 characters")
AUTH_SSO_LINKED_ELSEWHERE = N_("{identity} already signs in as {user}: unlink it first")
AUTH_SSO_NOT_LINKED = N_("{identity} is not linked to any account")
AUTH_SSO_UNKNOWN = N_("{identity} has no account here: ask an administrator to link it to one")
AUDIT_SSO_LINKED = N_("single sign-on identity {identity} linked to {user}")
AUDIT_SSO_UNLINKED = N_("single sign-on identity {identity} unlinked from {user}")
AUDIT_SSO_UNKNOWN = N_("single sign-on: {identity} is linked to no account")
AUDIT_SSO_SIGN_IN = N_("single sign-on as {identity}")

# ---------------------------------------------------------------- privacy for viewers (geo.privacy; issue 15, item 3)
PRIVACY_BAD_METHOD = N_("{value} is not a masking method: use {choices}")
PRIVACY_BAD_DISTANCES = N_("the masking distances must be above 0 m, the smaller one first: {low} m and {high} m")
PRIVACY_AT_LEAST_ONE = N_("{field} must be at least 1")
PRIVACY_NOT_ALIGNED = N_("the true and the masked points differ in number: {n} and {m}")

# ---------------------------------------------------------------- did it work? (geo.evaluate; issue 16)
EVAL_BAD_COUNTS = N_("{name}: {value} is not a pair of counts before and after (two numbers of 0 or more, "
                     "such as 120,85)")
EVAL_NO_COUNTS = N_("no incidents in any area in either period: there is nothing to compare")
EVAL_SMALL_COUNTS = N_("fewer than 20 incidents in the treated or the control area: the test's normal "
                       "approximation is rough, read the result with care")
EVAL_EMPTY_CONTROL = N_("the control area has no incidents in one of the periods: the displacement quotient "
                        "(WDQ) and the net effect cannot be computed")
EVAL_BAD_MONTHS = N_("{value} months cannot be a period: use 1 to {most}")
EVAL_PAST_DATA = N_("the period after the start runs to {end}, past the last incident on {last}: choose at most "
                    "{n} months")
EVAL_BEFORE_DATA = N_("the period before the start would begin on {start}, before the first incident on {first}: "
                      "choose fewer months")
EVAL_NOT_SEASONAL = N_("the data do not reach a year before the start: the period before is the months just "
                       "before it, so seasons may differ")
EVAL_NO_BOUNDARIES = N_("a control made of settlements needs the boundaries layer with the settlements' names")
EVAL_UNKNOWN_CONTROL = N_("no settlement is called {names}: choose the control among the boundaries' names")
EVAL_NO_CONTROL = N_("no settlement away from the treated area had incidents before the start: name a control")
EVAL_NO_INCIDENTS = N_("there are no incidents to evaluate")
EVAL_EMPTY_TREATED = N_("no incident in the treated area in either period: the area is too small, or the "
                        "categories too narrow, to tell anything")
EVAL_UNKNOWN_INTERVENTION = N_("there is no intervention called {name}; the workspace has: {names}")
EVAL_NO_INTERVENTIONS = N_("the workspace has no interventions: import them as the interventions layer")
EVAL_NO_CHANGE = N_("the treated area changed exactly as the control did: the displacement quotient (WDQ) is "
                    "not defined")

# ---------------------------------------------------------------- publishing (geo.publish; issue 15, item 4)
PUBLISH_BAD_AUDIENCE = N_("{value} is not an audience: publish for viewers or for everyone")
PUBLISH_NO_TITLE = N_("give the publication a title")
PUBLISH_NO_FILES = N_("there is nothing to publish")
PUBLISH_TOO_BIG = N_("the files are too large to publish: {size} MB, at most {limit} MB")
PUBLISH_NOT_FOUND = N_("there is no such publication, or it was withdrawn")
PUBLISH_NOT_MASKED = N_("only data masked for viewers can be published: the incidents are the recorded ones")


def fields_of(template: str) -> tuple[str, ...]:
    """The field names of ``template`` in order of appearance (repeats kept)."""
    return tuple(f for _lit, f, _spec, _conv in string.Formatter().parse(template) if f is not None)


def parts(template: str, fields: Mapping[str, object]) -> tuple[object, ...]:
    """``template`` as literal pieces and field values in order, for a builder that joins per-row arrays.

    Examples
    --------
    >>> parts("date '{value}' does not exist ({detail})", {"value": "X", "detail": "D"})
    ("date '", 'X', "' does not exist (", 'D', ')')
    """
    out: list[object] = []
    for literal, name, _spec, _conv in string.Formatter().parse(template):
        if literal:
            out.append(literal)
        if name is not None:
            value = fields[name]
            # per-row arrays (and quoted values) stay as they are; a single number becomes its text
            whole_column = hasattr(value, "__getitem__") and getattr(value, "ndim", 1) != 0
            out.append(value if isinstance(value, str) or whole_column else str(value))
    return tuple(out)


def _registered() -> tuple[str, ...]:
    """Every template of this module (the constants holding a string with a field, or a tuple of words)."""
    found: list[str] = []
    for key, value in globals().items():
        if not key.isupper() or key in ("VERBATIM", "NESTED", "COUNTS", "FRAGMENT_FIELDS", "FRAGMENTS", "TEMPLATES"):
            continue
        if isinstance(value, Mapping):
            value = tuple(value.values())
        found += [value] if isinstance(value, str) else [v for v in value if isinstance(v, str)] \
            if isinstance(value, tuple) else []
    return tuple(dict.fromkeys(found))


TEMPLATES: tuple[str, ...] = _registered()
# Pieces of other messages only (see FRAGMENT_FIELDS).
FRAGMENTS = frozenset({DATE_SPAN, SEL_BOTH, IMP_REASON_COUNT, IMP_MORE_COLUMNS, PT_ROWS_MORE, SIZE_MIB, SIZE_BYTES})
