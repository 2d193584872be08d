"""Reports built from the warehouse views: the weekly coverage-gap summary, the annual report, exports."""
