"""Articles: Markdown source, sanitised HTML, versions, categories and tags."""
