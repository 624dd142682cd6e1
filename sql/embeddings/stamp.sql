-- Records which provider/model made the stored vectors ($1 jsonb).
INSERT INTO mcpops.meta (key, value, updated_at) VALUES ('embeddings', $1::jsonb, now())
ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
