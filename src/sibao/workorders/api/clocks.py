"""API of the clocks area: reminders, urging, automatic escalation, metrics, supervisor view (DEM-03)."""
