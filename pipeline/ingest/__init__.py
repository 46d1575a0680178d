"""Ingest: find and read the tables of a raw extract (`load`), clean them under the rules of
`pipeline/data/rules.toml` with every row accounted for (`clean`), check the cleaned tables'
contract (`schema`), keep the processed folder (`processed`) and judge the data's quality
(`quality`). Nothing here knows the analyses."""
