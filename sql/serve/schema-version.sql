-- The Zava schema version `db init` recorded (null on a database it did not initialise).
SELECT (SELECT value->>'schemaVersion' FROM mcpops.meta WHERE key = 'retail_schema') AS version
