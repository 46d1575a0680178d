"""The run layer: one month opened the same way by every notebook (`month`), the monthly batch
(`batch`: papermill over a warm `kernel`, `render` to HTML, the `index` page).

PARAMETERS are the notebook parameters the batch passes, in the order each notebook's
`parameters` cell declares them (`config_path`: the settings file, validated by the batch
before any notebook runs)."""

PARAMETERS = ("month", "raw_root", "processed_root", "output_root", "config_path")
