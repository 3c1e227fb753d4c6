"""folium layers and legends built from `geo` results; nothing else lives here."""
