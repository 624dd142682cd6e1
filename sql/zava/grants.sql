-- Privileges, rewritten to the intended state on every run ({{reader}} and {{login}} are
-- validated, quoted role names). REVOKE then GRANT in one transaction ends in the same
-- privileges, so a second run reports nothing.
-- The login role holds nothing of its own: everything comes from becoming the reader.
REVOKE ALL ON SCHEMA retail FROM {{login}};
REVOKE ALL ON ALL TABLES IN SCHEMA retail FROM {{login}};
REVOKE ALL ON ALL SEQUENCES IN SCHEMA retail FROM {{login}};
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA retail FROM {{login}};
REVOKE ALL ON SCHEMA mcpops FROM {{login}};
REVOKE ALL ON ALL TABLES IN SCHEMA mcpops FROM {{login}};
-- The reader: USAGE on retail and SELECT on its tables, nothing else.
REVOKE ALL ON SCHEMA retail FROM {{reader}};
REVOKE ALL ON ALL TABLES IN SCHEMA retail FROM {{reader}};
REVOKE ALL ON ALL SEQUENCES IN SCHEMA retail FROM {{reader}};
GRANT USAGE ON SCHEMA retail TO {{reader}};
GRANT SELECT ON ALL TABLES IN SCHEMA retail TO {{reader}};
-- mcpops.meta is operator state: not the reader's (what serve needs from it is published
-- through views other parts of mcpops grant explicitly).
REVOKE ALL ON mcpops.meta FROM {{reader}};
