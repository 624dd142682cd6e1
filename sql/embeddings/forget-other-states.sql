-- Companion of forget-other-models.sql: the hashes of vectors made by another model go too.
DELETE FROM mcpops.embedding_state WHERE model <> $1
