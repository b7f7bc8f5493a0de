"""Server-rendered HTML pages (Jinja2 templates under templates/)."""
