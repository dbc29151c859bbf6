"""Scripts that keep generated files of the repository (reference pages) in step with the code."""
