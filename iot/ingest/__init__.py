"""Telemetry ingest: every channel (HTTP, MQTT) turns payloads into ``batch.Message`` and hands
them to ``batch.write_batch``, the one place readings are stored and rules evaluated."""
