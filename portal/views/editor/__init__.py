"""The editors' workspace in the console: the article list, the editor with its live preview,
review, versions, translations, files, and the queue of readers' and engineers' feedback."""
