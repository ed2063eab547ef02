"""District reports: the result store, the report's content, HTML, charts, cells, index pages and the year's run."""
