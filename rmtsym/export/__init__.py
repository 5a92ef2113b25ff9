"""Export of results: LaTeX, reports and figures."""
