"""Pages, fragments, auth guards, errors and template globals shared by every feature."""
