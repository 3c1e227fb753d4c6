"""Statistics of incidents: density surfaces, Gi* hot spots, rates and area statistics, time patterns."""
