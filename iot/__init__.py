"""Sensing 一网感知: device registry, telemetry ingest (SenML over HTTP and MQTT), alarm rules and alarms."""
