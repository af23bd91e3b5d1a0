"""pytest set-up for the whole repository: every notebook cell must survive a second run."""

pytest_plugins = ["tests.rerun_cells"]
