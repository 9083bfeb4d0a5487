"""Input and output formats: CSV, vCard, iCalendar, quote templates and the renderers."""
