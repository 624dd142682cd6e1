/**
 * Which functions and operators the guard lets through without asking the catalog, which it
 * never lets through, and why. Names are compared as PostgreSQL stores them (the parser has
 * already folded unquoted names to lower case and decoded U&"" escapes); the deny list is
 * matched case-insensitively on the bare name whatever the schema, so `pg_catalog.pg_sleep`,
 * `public.pg_sleep` and `"PG_SLEEP"` are all caught.
 */

/** Splits a whitespace-separated list; keeps long name lists readable (and formatter-proof). */
function words(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}

/** Safe built-ins: no side effects, no file or network access, no SQL execution. */
export const ALLOWED_FUNCTIONS: ReadonlySet<string> = new Set([
  // aggregates
  ...words(`count sum avg min max stddev stddev_pop stddev_samp variance var_pop var_samp array_agg
    string_agg bool_and bool_or every bit_and bit_or bit_xor json_agg jsonb_agg json_object_agg
    jsonb_object_agg percentile_cont percentile_disc mode corr covar_pop covar_samp regr_avgx
    regr_avgy regr_count regr_intercept regr_r2 regr_slope regr_sxx regr_sxy regr_syy any_value
    grouping`),
  // window functions
  ...words(`row_number rank dense_rank percent_rank cume_dist ntile lag lead first_value last_value
    nth_value`),
  // math (random is volatile but has no effect beyond its own result)
  ...words(`abs ceil ceiling floor round trunc sign sqrt cbrt power pow exp ln log log10 mod div pi degrees
    radians sin cos tan asin acos atan atan2 width_bucket gcd lcm factorial scale min_scale
    trim_scale random numeric int4 int8 float8 to_char to_number`),
  // strings
  ...words(`length char_length character_length octet_length bit_length lower upper initcap btrim ltrim
    rtrim lpad rpad substr substring left right position strpos replace reverse repeat split_part
    concat concat_ws format regexp_replace regexp_match regexp_matches regexp_split_to_array
    regexp_split_to_table regexp_count regexp_like regexp_instr regexp_substr starts_with translate
    md5 ascii chr quote_ident quote_literal quote_nullable overlay encode decode to_hex
    similar_to_escape normalize unistr sha256 sha512`),
  // date and time
  ...words(`now date_trunc date_part extract age make_date make_time make_timestamp make_timestamptz
    make_interval date_bin justify_days justify_hours justify_interval isfinite to_date to_timestamp
    clock_timestamp statement_timestamp transaction_timestamp timezone date_add date_subtract`),
  // JSON
  ...words(`to_json to_jsonb json_build_object jsonb_build_object json_build_array jsonb_build_array
    json_object jsonb_object row_to_json array_to_json jsonb_pretty json_typeof jsonb_typeof
    json_array_length jsonb_array_length json_each jsonb_each json_each_text jsonb_each_text
    json_array_elements jsonb_array_elements json_array_elements_text jsonb_array_elements_text
    json_extract_path jsonb_extract_path json_extract_path_text jsonb_extract_path_text
    json_object_keys jsonb_object_keys jsonb_set jsonb_insert json_strip_nulls jsonb_strip_nulls
    jsonb_path_query jsonb_path_exists jsonb_path_match jsonb_path_query_array
    jsonb_path_query_first json_to_record jsonb_to_record json_to_recordset jsonb_to_recordset
    json_populate_record jsonb_populate_record json_populate_recordset jsonb_populate_recordset`),
  // functions the grammar itself writes for SQL syntax (LIKE … ESCAPE, OVERLAPS, IS NORMALIZED, COLLATION FOR)
  ...words(`like_escape overlaps is_normalized pg_collation_for`),
  // conditionals, arrays, series, types, text search
  ...words(`num_nulls num_nonnulls array_length array_lower array_upper array_position array_positions
    array_remove array_replace array_append array_prepend array_cat cardinality unnest array_dims
    array_ndims array_fill generate_subscripts trim_array array_to_string string_to_array
    string_to_table generate_series pg_typeof format_type to_tsvector to_tsquery plainto_tsquery
    phraseto_tsquery websearch_to_tsquery ts_rank ts_rank_cd ts_headline xpath xpath_exists`),
  // volatile but without effects outside their own result (documented decision)
  ...words(`gen_random_uuid currval`),
  // conditional: only with a literal app.* or READABLE_SETTINGS name (functions.ts, settingProblem)
  ...words(`current_setting`),
]);

/** Settings that may be read besides `app.*`: harmless facts a query might format dates with. */
export const READABLE_SETTINGS: ReadonlySet<string> = new Set([
  'timezone',
  'datestyle',
  'intervalstyle',
  'server_version',
  'server_version_num',
  'lc_monetary',
  'lc_numeric',
  'transaction_read_only',
  'default_transaction_read_only',
  'statement_timeout',
]);

type DenyRule = { test: (name: string) => boolean; reason: string };

const exact = (names: string[]) => {
  const set = new Set(names);
  return (name: string) => set.has(name);
};
const prefix = (prefixes: string[]) => (name: string) => prefixes.some((p) => name.startsWith(p));

const STATISTICS_REASON =
  'it reports planner or activity statistics, which count rows of every store that row-level security hides (the reason EXPLAIN is refused)';

/** Refused whatever the catalog says (several are STABLE, e.g. table_to_xml and txid_current). */
const DENY_RULES: DenyRule[] = [
  { test: prefix(['pg_sleep']), reason: 'it sleeps, holding a connection' },
  {
    test: (n) =>
      prefix(['pg_read_', 'pg_ls_', 'pg_file_', 'pg_stat_file'])(n) ||
      exact([
        'pg_current_logfile',
        'pg_hba_file_rules',
        'pg_ident_file_mappings',
        'pg_show_all_file_settings',
      ])(n),
    reason: 'it reads server files',
  },
  { test: (n) => n.startsWith('lo_') || exact(['loread', 'lowrite'])(n), reason: 'it uses large objects' },
  {
    test: exact([
      'pg_terminate_backend',
      'pg_cancel_backend',
      'pg_signal_backend',
      'pg_reload_conf',
      'pg_rotate_logfile',
      'pg_log_backend_memory_contexts',
      'pg_switch_wal',
      'pg_promote',
      'pg_import_system_collations',
      'pg_start_backup',
      'pg_stop_backup',
      'pg_backup_start',
      'pg_backup_stop',
      'pg_create_restore_point',
      'pg_wal_replay_pause',
      'pg_wal_replay_resume',
      'pg_log_standby_snapshot',
      'pg_prewarm',
      'pg_stat_statements_reset',
    ]),
    reason: 'it signals backends or changes server state',
  },
  { test: prefix(['pg_stat_reset']), reason: 'it resets statistics' },
  {
    // pg_stat_get_* (live/dead/inserted tuples, scans), relation and database sizes, and the
    // contrib readers of pages and statistics: each gives a count over every store's rows.
    test: (n) =>
      prefix(['pg_stat_', 'pgstat', 'pg_visibility', 'pg_buffercache', 'pg_freespace', 'pg_mcv_list'])(n) ||
      exact([
        'pg_relation_size',
        'pg_table_size',
        'pg_indexes_size',
        'pg_total_relation_size',
        'pg_database_size',
        'pg_tablespace_size',
        'pg_relpages',
        'pg_sequence_last_value',
      ])(n),
    reason: STATISTICS_REASON,
  },
  { test: prefix(['pg_advisory_', 'pg_try_advisory_']), reason: 'it takes advisory locks' },
  { test: prefix(['dblink', 'pg_background']), reason: 'it opens another connection' },
  {
    test: exact(['set_config', 'setseed']),
    reason: 'it changes settings (set_config can change the identity)',
  },
  {
    test: (n) =>
      prefix(['query_to_xml', 'cursor_to_xml', 'table_to_xml', 'schema_to_xml', 'database_to_xml'])(n) ||
      exact(['ts_stat', 'ts_rewrite'])(n),
    reason: 'it executes SQL text',
  },
  {
    test: (n) => prefix(['pg_logical_', 'pg_replication_', 'pg_copy_', 'pg_sync_replication'])(n),
    reason: 'it uses replication slots or the WAL',
  },
  {
    test: exact([
      'txid_current',
      'txid_current_if_assigned',
      'pg_current_xact_id',
      'pg_current_xact_id_if_assigned',
      'pg_export_snapshot',
    ]),
    reason: 'it assigns a transaction id or exports a snapshot',
  },
  { test: exact(['nextval', 'setval', 'lastval']), reason: 'it advances a sequence' },
  { test: exact(['pg_notify']), reason: 'it sends a notification' },
  { test: prefix(['pg_create_', 'pg_drop_']), reason: 'it creates or drops server objects' },
];

/**
 * Catalog tables and views whose rows count (or sample) the rows of every store: pg_class
 * (reltuples, relpages, relallvisible), every pg_stat_* and pg_statio_* view, pg_stats and pg_stats_ext
 * (most common values and histograms over all stores), pg_statistic*, and sequence state.
 * Matched on the bare name whatever the schema, like the function deny list.
 */
const STATISTICS_RELATIONS: DenyRule = {
  test: (n) =>
    prefix(['pg_stat', 'pg_buffercache', 'pg_freespace'])(n) ||
    exact(['pg_class', 'pg_sequences', 'pg_sequence'])(n),
  reason: STATISTICS_REASON,
};

/**
 * System columns that show where and when rows were written: a store's own `ctid` page numbers
 * and `xmin` transaction ids step over every other store's rows, so they count them too.
 */
export const PHYSICAL_COLUMNS: ReadonlySet<string> = new Set(['ctid', 'xmin', 'xmax', 'cmin', 'cmax']);

export const PHYSICAL_COLUMN_REASON =
  'it shows where and when rows were stored, which counts rows of every store that row-level security hides';

/** Why reading a table or view is refused outright, or undefined when it may be read. */
export function relationDenyReason(name: string): string | undefined {
  return STATISTICS_RELATIONS.test(name.toLowerCase()) ? STATISTICS_RELATIONS.reason : undefined;
}

/** Why a function name is refused outright, or undefined when it is not on the deny list. */
export function denyReason(name: string): string | undefined {
  const lower = name.toLowerCase();
  return DENY_RULES.find((rule) => rule.test(lower))?.reason;
}

/** Built-in operators, plus the words the parser uses for BETWEEN. */
export const BUILTIN_OPERATORS: ReadonlySet<string> = new Set([
  ...(
    '!! !~ !~* !~~ !~~* # ## #- #> #>> % & && &< &<| &> * *< *<= *<> *= *> *>= + - -> ->> -|- / < <-> << ' +
    '<<= <<| <= <> <@ <^ = > >= >> >>= >^ ? ?# ?& ?- ?-| ?| ?|| @ @-@ @> @? @@ @@@ ^ ^@ | |&> |/ |>> || ' +
    '||/ ~ ~* ~<=~ ~<~ ~= ~>=~ ~>~ ~~ ~~* !='
  ).split(' '),
  'BETWEEN',
  'NOT BETWEEN',
  'BETWEEN SYMMETRIC',
  'NOT BETWEEN SYMMETRIC',
]);

/** Keyword "operators" of BETWEEN that expand to >= and <=; never sent to the catalog. */
export function isBetweenKeyword(name: string): boolean {
  return /^(NOT )?BETWEEN( SYMMETRIC)?$/.test(name);
}

/** TABLESAMPLE methods shipped with PostgreSQL; extensions such as system_time can stall. */
export const TABLESAMPLE_METHODS: ReadonlySet<string> = new Set(['system', 'bernoulli']);

/** A schema that may hold an allow-listed built-in: none (resolved by search_path) or pg_catalog. */
export function isBuiltinSchema(schema: string | undefined): boolean {
  return schema === undefined || schema === 'pg_catalog';
}
