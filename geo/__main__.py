"""``python -m geo ...``: launches the command line, which lives above the library.

The command line (``koopsuz.cli``) uses both ``geo`` and ``layers`` (an HTML
map export needs folium), so the library itself never imports it; this file
only hands over, as documented in the README.
"""

import runpy

runpy.run_module("koopsuz", run_name="__main__", alter_sys=True)
