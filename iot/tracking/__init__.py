"""Vehicle and worker tracking 车辆与人员定位 (models, position ingest, track rules, coverage)."""
