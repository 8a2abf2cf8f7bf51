/**
 * The query parameters each REST API accepts, and the check Elasticsearch makes with them: a request whose query
 * names a parameter its handler does not read is refused with 400 `illegal_argument_exception` ("contains
 * unrecognized parameter"), before anything is done, with the nearest known names suggested (BaseRestHandler).
 * The emulator acts on some of these parameters and accepts the others as Elasticsearch's own defaults; what it
 * must not do is accept a name Elasticsearch refuses, since a client's mistake would then pass here and fail on a
 * real cluster (elastalert 0.2.4 put its mappings through `include_type_name`, gone since 8.0, and the emulator
 * indexed the mapping as a document).
 */
import { EsError } from './errors.js';

/**
 * Per API (its REST spec name), the parameters Elasticsearch 9 accepts, as the official client 9.4 declares them
 * from the REST specification (`acceptedParams` of @elastic/elasticsearch, Apache-2.0); test/es-params.test.ts
 * checks this table against the installed client.
 */
export const API_PARAMS: Readonly<Record<string, readonly string[]>> = {
  'async_search.delete': [],
  'async_search.get': ['keep_alive', 'return_intermediate_results', 'typed_keys', 'wait_for_completion_timeout'],
  'async_search.status': ['keep_alive'],
  'async_search.submit': ['_source', '_source_excludes', '_source_includes', 'allow_no_indices', 'allow_partial_search_results', 'analyze_wildcard', 'analyzer', 'batched_reduce_size', 'ccs_minimize_roundtrips', 'default_operator', 'df', 'docvalue_fields', 'expand_wildcards', 'explain', 'from', 'ignore_throttled', 'ignore_unavailable', 'keep_alive', 'keep_on_completion', 'lenient', 'max_concurrent_shard_requests', 'preference', 'q', 'request_cache', 'rest_total_hits_as_int', 'routing', 'search_type', 'seq_no_primary_term', 'size', 'sort', 'stats', 'stored_fields', 'suggest_field', 'suggest_mode', 'suggest_size', 'suggest_text', 'terminate_after', 'timeout', 'track_scores', 'track_total_hits', 'typed_keys', 'version', 'wait_for_completion_timeout'],
  'bulk': ['_source', '_source_excludes', '_source_includes', 'include_source_on_error', 'list_executed_pipelines', 'pipeline', 'refresh', 'require_alias', 'require_data_stream', 'routing', 'timeout', 'wait_for_active_shards'],
  'cat.aliases': ['expand_wildcards', 'h', 'master_timeout', 's'],
  'cat.allocation': ['h', 'local', 'master_timeout', 's'],
  'cat.count': ['h', 's'],
  'cat.fielddata': ['fields', 'h', 's'],
  'cat.health': ['h', 's', 'ts'],
  'cat.help': [],
  'cat.indices': ['expand_wildcards', 'h', 'health', 'include_unloaded_segments', 'master_timeout', 'pri', 's'],
  'cat.master': ['h', 'local', 'master_timeout', 's'],
  'cat.nodeattrs': ['h', 'local', 'master_timeout', 's'],
  'cat.nodes': ['full_id', 'h', 'include_unloaded_segments', 'master_timeout', 's'],
  'cat.pending_tasks': ['h', 'local', 'master_timeout', 's'],
  'cat.plugins': ['h', 'include_bootstrap', 'local', 'master_timeout', 's'],
  'cat.recovery': ['active_only', 'detailed', 'h', 'index', 's'],
  'cat.repositories': ['h', 'local', 'master_timeout', 's'],
  'cat.segments': ['allow_closed', 'allow_no_indices', 'expand_wildcards', 'h', 'ignore_throttled', 'ignore_unavailable', 'local', 'master_timeout', 's'],
  'cat.shards': ['h', 'master_timeout', 's'],
  'cat.snapshots': ['h', 'ignore_unavailable', 'master_timeout', 's'],
  'cat.tasks': ['actions', 'detailed', 'h', 'nodes', 'parent_task_id', 's', 'timeout', 'wait_for_completion'],
  'cat.templates': ['h', 'local', 'master_timeout', 's'],
  'cat.thread_pool': ['h', 'local', 'master_timeout', 's'],
  'clear_scroll': [],
  'close_point_in_time': [],
  'cluster.allocation_explain': ['current_node', 'include_disk_info', 'include_yes_decisions', 'index', 'master_timeout', 'primary', 'shard'],
  'cluster.delete_component_template': ['master_timeout', 'timeout'],
  'cluster.exists_component_template': ['local', 'master_timeout'],
  'cluster.get_component_template': ['flat_settings', 'include_defaults', 'local', 'master_timeout', 'settings_filter'],
  'cluster.get_settings': ['flat_settings', 'include_defaults', 'master_timeout', 'timeout'],
  'cluster.health': ['expand_wildcards', 'level', 'local', 'master_timeout', 'timeout', 'wait_for_active_shards', 'wait_for_events', 'wait_for_no_initializing_shards', 'wait_for_no_relocating_shards', 'wait_for_nodes', 'wait_for_status'],
  'cluster.info': [],
  'cluster.pending_tasks': ['local', 'master_timeout'],
  'cluster.put_component_template': ['cause', 'create', 'master_timeout'],
  'cluster.put_settings': ['flat_settings', 'master_timeout', 'timeout'],
  'cluster.remote_info': [],
  'cluster.state': ['allow_no_indices', 'expand_wildcards', 'flat_settings', 'ignore_unavailable', 'local', 'master_timeout', 'wait_for_metadata_version', 'wait_for_timeout'],
  'cluster.stats': ['include_remotes', 'timeout'],
  'count': ['allow_no_indices', 'analyze_wildcard', 'analyzer', 'default_operator', 'df', 'expand_wildcards', 'ignore_throttled', 'ignore_unavailable', 'lenient', 'min_score', 'preference', 'q', 'routing', 'terminate_after'],
  'create': ['include_source_on_error', 'pipeline', 'refresh', 'require_alias', 'require_data_stream', 'routing', 'timeout', 'version', 'version_type', 'wait_for_active_shards'],
  'dangling_indices.list_dangling_indices': [],
  'delete': ['if_primary_term', 'if_seq_no', 'refresh', 'routing', 'timeout', 'version', 'version_type', 'wait_for_active_shards'],
  'delete_by_query': ['allow_no_indices', 'analyze_wildcard', 'analyzer', 'conflicts', 'default_operator', 'df', 'expand_wildcards', 'from', 'ignore_unavailable', 'lenient', 'max_docs', 'preference', 'q', 'refresh', 'request_cache', 'requests_per_second', 'routing', 'scroll', 'scroll_size', 'search_timeout', 'search_type', 'slices', 'sort', 'stats', 'terminate_after', 'timeout', 'version', 'wait_for_active_shards', 'wait_for_completion'],
  'delete_by_query_rethrottle': ['requests_per_second'],
  'delete_script': ['master_timeout', 'timeout'],
  'exists': ['_source', '_source_excludes', '_source_includes', 'preference', 'realtime', 'refresh', 'routing', 'stored_fields', 'version', 'version_type'],
  'exists_source': ['_source', '_source_excludes', '_source_includes', 'preference', 'realtime', 'refresh', 'routing', 'version', 'version_type'],
  'explain': ['_source', '_source_excludes', '_source_includes', 'analyze_wildcard', 'analyzer', 'default_operator', 'df', 'lenient', 'preference', 'q', 'routing', 'stored_fields'],
  'field_caps': ['allow_no_indices', 'expand_wildcards', 'fields', 'filters', 'ignore_unavailable', 'include_empty_fields', 'include_unmapped', 'types'],
  'get': ['_source', '_source_exclude_vectors', '_source_excludes', '_source_includes', 'force_synthetic_source', 'preference', 'realtime', 'refresh', 'routing', 'stored_fields', 'version', 'version_type'],
  'get_script': ['master_timeout'],
  'get_source': ['_source', '_source_excludes', '_source_includes', 'preference', 'realtime', 'refresh', 'routing', 'version', 'version_type'],
  'health_report': ['size', 'timeout', 'verbose'],
  'ilm.delete_lifecycle': ['master_timeout', 'timeout'],
  'ilm.explain_lifecycle': ['master_timeout', 'only_errors', 'only_managed'],
  'ilm.get_lifecycle': ['master_timeout', 'timeout'],
  'ilm.get_status': [],
  'ilm.put_lifecycle': ['master_timeout', 'timeout'],
  'ilm.remove_policy': [],
  'ilm.retry': [],
  'ilm.start': ['master_timeout', 'timeout'],
  'ilm.stop': ['master_timeout', 'timeout'],
  'index': ['if_primary_term', 'if_seq_no', 'include_source_on_error', 'op_type', 'pipeline', 'refresh', 'require_alias', 'require_data_stream', 'routing', 'timeout', 'version', 'version_type', 'wait_for_active_shards'],
  'indices.add_block': ['allow_no_indices', 'expand_wildcards', 'ignore_unavailable', 'master_timeout', 'timeout'],
  'indices.analyze': ['index'],
  'indices.clear_cache': ['allow_no_indices', 'expand_wildcards', 'fielddata', 'fields', 'ignore_unavailable', 'index', 'query', 'request'],
  'indices.clone': ['master_timeout', 'timeout', 'wait_for_active_shards'],
  'indices.close': ['allow_no_indices', 'expand_wildcards', 'ignore_unavailable', 'master_timeout', 'timeout', 'wait_for_active_shards'],
  'indices.create': ['master_timeout', 'timeout', 'wait_for_active_shards'],
  'indices.create_data_stream': ['master_timeout', 'timeout'],
  'indices.data_streams_stats': ['expand_wildcards'],
  'indices.delete': ['allow_no_indices', 'expand_wildcards', 'ignore_unavailable', 'master_timeout', 'timeout'],
  'indices.delete_alias': ['master_timeout', 'timeout'],
  'indices.delete_data_stream': ['expand_wildcards', 'master_timeout'],
  'indices.delete_index_template': ['master_timeout', 'timeout'],
  'indices.delete_template': ['master_timeout', 'timeout'],
  'indices.exists': ['allow_no_indices', 'expand_wildcards', 'flat_settings', 'ignore_unavailable', 'include_defaults', 'local'],
  'indices.exists_alias': ['allow_no_indices', 'expand_wildcards', 'ignore_unavailable', 'master_timeout'],
  'indices.exists_index_template': ['flat_settings', 'local', 'master_timeout'],
  'indices.exists_template': ['flat_settings', 'local', 'master_timeout'],
  'indices.flush': ['allow_no_indices', 'expand_wildcards', 'force', 'ignore_unavailable', 'wait_if_ongoing'],
  'indices.forcemerge': ['allow_no_indices', 'expand_wildcards', 'flush', 'ignore_unavailable', 'max_num_segments', 'only_expunge_deletes', 'wait_for_completion'],
  'indices.get': ['allow_no_indices', 'expand_wildcards', 'features', 'flat_settings', 'ignore_unavailable', 'include_defaults', 'local', 'master_timeout'],
  'indices.get_alias': ['allow_no_indices', 'expand_wildcards', 'ignore_unavailable', 'master_timeout'],
  'indices.get_data_stream': ['expand_wildcards', 'include_defaults', 'master_timeout', 'verbose'],
  'indices.get_field_mapping': ['allow_no_indices', 'expand_wildcards', 'ignore_unavailable', 'include_defaults'],
  'indices.get_index_template': ['flat_settings', 'include_defaults', 'local', 'master_timeout'],
  'indices.get_mapping': ['allow_no_indices', 'expand_wildcards', 'ignore_unavailable', 'local', 'master_timeout'],
  'indices.get_settings': ['allow_no_indices', 'expand_wildcards', 'flat_settings', 'ignore_unavailable', 'include_defaults', 'local', 'master_timeout'],
  'indices.get_template': ['flat_settings', 'local', 'master_timeout'],
  'indices.migrate_to_data_stream': ['master_timeout', 'timeout'],
  'indices.modify_data_stream': [],
  'indices.open': ['allow_no_indices', 'expand_wildcards', 'ignore_unavailable', 'master_timeout', 'timeout', 'wait_for_active_shards'],
  'indices.put_alias': ['master_timeout', 'timeout'],
  'indices.put_index_template': ['cause', 'create', 'master_timeout'],
  'indices.put_mapping': ['allow_no_indices', 'expand_wildcards', 'ignore_unavailable', 'master_timeout', 'timeout', 'write_index_only'],
  'indices.put_settings': ['allow_no_indices', 'expand_wildcards', 'flat_settings', 'ignore_unavailable', 'master_timeout', 'preserve_existing', 'reopen', 'timeout'],
  'indices.put_template': ['cause', 'create', 'master_timeout', 'order'],
  'indices.recovery': ['active_only', 'allow_no_indices', 'detailed', 'expand_wildcards', 'ignore_unavailable'],
  'indices.refresh': ['allow_no_indices', 'expand_wildcards', 'ignore_unavailable'],
  'indices.reload_search_analyzers': ['allow_no_indices', 'expand_wildcards', 'ignore_unavailable', 'resource'],
  'indices.remove_block': ['allow_no_indices', 'expand_wildcards', 'ignore_unavailable', 'master_timeout', 'timeout'],
  'indices.resolve_index': ['allow_no_indices', 'expand_wildcards', 'ignore_unavailable', 'mode'],
  'indices.rollover': ['dry_run', 'lazy', 'master_timeout', 'timeout', 'wait_for_active_shards'],
  'indices.segments': ['allow_no_indices', 'expand_wildcards', 'ignore_unavailable'],
  'indices.shard_stores': ['allow_no_indices', 'expand_wildcards', 'ignore_unavailable', 'status'],
  'indices.shrink': ['master_timeout', 'timeout', 'wait_for_active_shards'],
  'indices.simulate_index_template': ['cause', 'create', 'include_defaults', 'master_timeout'],
  'indices.simulate_template': ['cause', 'create', 'include_defaults', 'master_timeout'],
  'indices.split': ['master_timeout', 'timeout', 'wait_for_active_shards'],
  'indices.stats': ['completion_fields', 'expand_wildcards', 'fielddata_fields', 'fields', 'forbid_closed_indices', 'groups', 'include_segment_file_sizes', 'include_unloaded_segments', 'level'],
  'indices.update_aliases': ['master_timeout', 'timeout'],
  'indices.validate_query': ['all_shards', 'allow_no_indices', 'analyze_wildcard', 'analyzer', 'default_operator', 'df', 'expand_wildcards', 'explain', 'ignore_unavailable', 'lenient', 'q', 'rewrite'],
  'info': [],
  'ingest.delete_pipeline': ['master_timeout', 'timeout'],
  'ingest.get_pipeline': ['master_timeout', 'summary'],
  'ingest.put_pipeline': ['if_version', 'master_timeout', 'timeout'],
  'ingest.simulate': ['verbose'],
  'license.get': ['accept_enterprise', 'local'],
  'mget': ['_source', '_source_excludes', '_source_includes', 'force_synthetic_source', 'preference', 'realtime', 'refresh', 'routing', 'stored_fields'],
  'msearch': ['allow_no_indices', 'ccs_minimize_roundtrips', 'expand_wildcards', 'ignore_throttled', 'ignore_unavailable', 'include_named_queries_score', 'index', 'max_concurrent_searches', 'max_concurrent_shard_requests', 'pre_filter_shard_size', 'project_routing', 'rest_total_hits_as_int', 'routing', 'search_type', 'typed_keys'],
  'msearch_template': ['ccs_minimize_roundtrips', 'max_concurrent_searches', 'project_routing', 'rest_total_hits_as_int', 'search_type', 'typed_keys'],
  'nodes.hot_threads': ['ignore_idle_threads', 'interval', 'snapshots', 'sort', 'threads', 'timeout', 'type'],
  'nodes.info': ['flat_settings', 'timeout'],
  'nodes.reload_secure_settings': ['timeout'],
  'nodes.stats': ['completion_fields', 'fielddata_fields', 'fields', 'groups', 'include_segment_file_sizes', 'include_unloaded_segments', 'level', 'timeout', 'types'],
  'open_point_in_time': ['allow_partial_search_results', 'expand_wildcards', 'ignore_unavailable', 'keep_alive', 'max_concurrent_shard_requests', 'preference', 'routing'],
  'ping': [],
  'put_script': ['context', 'master_timeout', 'timeout'],
  'reindex': ['max_docs', 'refresh', 'requests_per_second', 'require_alias', 'scroll', 'slices', 'timeout', 'wait_for_active_shards', 'wait_for_completion'],
  'reindex_rethrottle': ['group_by', 'requests_per_second'],
  'render_search_template': [],
  'scroll': ['rest_total_hits_as_int', 'scroll', 'scroll_id'],
  'search': ['_source', '_source_exclude_vectors', '_source_excludes', '_source_includes', 'allow_no_indices', 'allow_partial_search_results', 'analyze_wildcard', 'analyzer', 'batched_reduce_size', 'ccs_minimize_roundtrips', 'default_operator', 'df', 'docvalue_fields', 'expand_wildcards', 'explain', 'force_synthetic_source', 'from', 'ignore_throttled', 'ignore_unavailable', 'include_named_queries_score', 'lenient', 'max_concurrent_shard_requests', 'pre_filter_shard_size', 'preference', 'q', 'request_cache', 'rest_total_hits_as_int', 'routing', 'scroll', 'search_type', 'seq_no_primary_term', 'size', 'sort', 'stats', 'stored_fields', 'suggest_field', 'suggest_mode', 'suggest_size', 'suggest_text', 'terminate_after', 'timeout', 'track_scores', 'track_total_hits', 'typed_keys', 'version'],
  'search_shards': ['allow_no_indices', 'expand_wildcards', 'ignore_unavailable', 'local', 'master_timeout', 'preference', 'routing'],
  'search_template': ['allow_no_indices', 'ccs_minimize_roundtrips', 'expand_wildcards', 'explain', 'ignore_throttled', 'ignore_unavailable', 'preference', 'profile', 'rest_total_hits_as_int', 'routing', 'scroll', 'search_type', 'typed_keys'],
  'simulate.ingest': ['merge_type', 'pipeline'],
  'slm.get_lifecycle': ['master_timeout', 'timeout'],
  'slm.get_stats': ['master_timeout', 'timeout'],
  'slm.get_status': ['master_timeout', 'timeout'],
  'slm.put_lifecycle': ['master_timeout', 'timeout'],
  'slm.start': ['master_timeout', 'timeout'],
  'slm.stop': ['master_timeout', 'timeout'],
  'snapshot.create_repository': ['master_timeout', 'timeout', 'verify'],
  'snapshot.get': ['after', 'from_sort_value', 'ignore_unavailable', 'include_repository', 'index_details', 'index_names', 'master_timeout', 'offset', 'order', 'size', 'slm_policy_filter', 'sort', 'state', 'verbose'],
  'snapshot.get_repository': ['local', 'master_timeout'],
  'snapshot.status': ['ignore_unavailable', 'master_timeout'],
  'tasks.cancel': ['actions', 'nodes', 'parent_task_id', 'wait_for_completion'],
  'tasks.get': ['timeout', 'wait_for_completion'],
  'tasks.list': ['actions', 'detailed', 'group_by', 'nodes', 'parent_task_id', 'timeout', 'wait_for_completion'],
  'terms_enum': [],
  'update': ['_source', '_source_excludes', '_source_includes', 'if_primary_term', 'if_seq_no', 'include_source_on_error', 'lang', 'refresh', 'require_alias', 'retry_on_conflict', 'routing', 'timeout', 'wait_for_active_shards'],
  'update_by_query': ['allow_no_indices', 'analyze_wildcard', 'analyzer', 'conflicts', 'default_operator', 'df', 'expand_wildcards', 'from', 'ignore_unavailable', 'lenient', 'max_docs', 'pipeline', 'preference', 'q', 'refresh', 'request_cache', 'requests_per_second', 'routing', 'scroll', 'scroll_size', 'search_timeout', 'search_type', 'slices', 'sort', 'stats', 'terminate_after', 'timeout', 'version', 'version_type', 'wait_for_active_shards', 'wait_for_completion'],
  'update_by_query_rethrottle': ['requests_per_second'],
  'xpack.info': ['accept_enterprise', 'categories', 'human'],
  'security.authenticate': [],
  'security.create_api_key': ['refresh'],
  'security.get_api_key': ['active_only', 'id', 'name', 'owner', 'realm_name', 'username', 'with_limited_by', 'with_profile_uid'],
  'security.invalidate_api_key': [],
};

/**
 * The APIs that take no body: a request to one with a body is refused (BaseRestHandler: the handler did not read it),
 * as the client 9.4 declares them (no body parameter); checked against it with the table above.
 */
export const APIS_WITHOUT_BODY: ReadonlySet<string> = new Set([
  'async_search.delete', 'async_search.get', 'async_search.status', 'cat.aliases', 'cat.allocation', 'cat.fielddata',
  'cat.health', 'cat.help', 'cat.indices', 'cat.master', 'cat.nodeattrs', 'cat.nodes', 'cat.pending_tasks', 'cat.plugins',
  'cat.recovery', 'cat.repositories', 'cat.segments', 'cat.shards', 'cat.snapshots', 'cat.tasks', 'cat.templates',
  'cat.thread_pool', 'cluster.delete_component_template', 'cluster.exists_component_template', 'cluster.get_component_template',
  'cluster.get_settings', 'cluster.health', 'cluster.info', 'cluster.pending_tasks', 'cluster.remote_info', 'cluster.state',
  'cluster.stats', 'dangling_indices.list_dangling_indices', 'delete', 'delete_by_query_rethrottle', 'delete_script', 'exists',
  'exists_source', 'get', 'get_script', 'get_source', 'health_report', 'ilm.delete_lifecycle', 'ilm.explain_lifecycle',
  'ilm.get_lifecycle', 'ilm.get_status', 'ilm.remove_policy', 'ilm.retry', 'ilm.start', 'ilm.stop', 'indices.add_block',
  'indices.clear_cache', 'indices.close', 'indices.create_data_stream', 'indices.data_streams_stats', 'indices.delete',
  'indices.delete_alias', 'indices.delete_data_stream', 'indices.delete_index_template', 'indices.delete_template',
  'indices.exists', 'indices.exists_alias', 'indices.exists_index_template', 'indices.exists_template', 'indices.flush',
  'indices.forcemerge', 'indices.get', 'indices.get_alias', 'indices.get_data_stream', 'indices.get_field_mapping',
  'indices.get_index_template', 'indices.get_mapping', 'indices.get_settings', 'indices.get_template',
  'indices.migrate_to_data_stream', 'indices.open', 'indices.recovery', 'indices.refresh', 'indices.reload_search_analyzers',
  'indices.remove_block', 'indices.segments', 'indices.shard_stores', 'indices.stats', 'info', 'ingest.delete_pipeline',
  'ingest.get_pipeline', 'license.get', 'nodes.hot_threads', 'nodes.info', 'nodes.stats', 'ping', 'reindex_rethrottle',
  'search_shards', 'slm.get_lifecycle', 'slm.get_stats', 'slm.get_status', 'slm.start', 'slm.stop', 'snapshot.get',
  'snapshot.get_repository', 'snapshot.status', 'tasks.cancel', 'tasks.get', 'tasks.list', 'update_by_query_rethrottle',
  'xpack.info', 'security.authenticate', 'security.get_api_key',
]);

/** The routes of each API, as the emulator registers them (`METHOD /path/{param}`); HEAD falls back to GET's API. */
export const API_ROUTES: Readonly<Record<string, readonly string[]>> = {
  'info': ['GET /'],
  'ping': ['HEAD /'],
  'license.get': ['GET /_license'],
  'xpack.info': ['GET /_xpack'],
  'security.authenticate': ['GET /_security/_authenticate'],
  'security.create_api_key': ['PUT /_security/api_key', 'POST /_security/api_key'],
  'security.get_api_key': ['GET /_security/api_key'],
  'security.invalidate_api_key': ['DELETE /_security/api_key'],
  'health_report': ['GET /_health_report', 'GET /_health_report/{feature}'],
  'cluster.health': ['GET /_cluster/health', 'GET /_cluster/health/{index}'],
  'cluster.get_settings': ['GET /_cluster/settings'],
  'cluster.put_settings': ['PUT /_cluster/settings'],
  'cluster.state': ['GET /_cluster/state', 'GET /_cluster/state/{metrics}', 'GET /_cluster/state/{metrics}/{index}'],
  'cluster.stats': ['GET /_cluster/stats'],
  'cluster.info': ['GET /_info/{target}'],
  'cluster.pending_tasks': ['GET /_cluster/pending_tasks'],
  'cluster.remote_info': ['GET /_remote/info'],
  'nodes.stats': ['GET /_nodes/stats', 'GET /_nodes/stats/{metric}', 'GET /_nodes/_local/stats'],
  'nodes.hot_threads': ['GET /_nodes/hot_threads', 'GET /_nodes/{selector}/hot_threads'],
  'nodes.reload_secure_settings': ['POST /_nodes/reload_secure_settings', 'POST /_nodes/{selector}/reload_secure_settings'],
  'nodes.info': ['GET /_nodes', 'GET /_nodes/{selector}', 'GET /_nodes/{selector}/{metric}'],
  'cat.health': ['GET /_cat/health'],
  'cat.count': ['GET /_cat/count', 'GET /_cat/count/{index}'],
  'cat.aliases': ['GET /_cat/aliases', 'GET /_cat/aliases/{name}'],
  'cat.indices': ['GET /_cat/indices', 'GET /_cat/indices/{index}'],
  'cat.master': ['GET /_cat/master'],
  'cat.nodes': ['GET /_cat/nodes'],
  'cat.thread_pool': ['GET /_cat/thread_pool', 'GET /_cat/thread_pool/{pools}'],
  'cat.allocation': ['GET /_cat/allocation'],
  'cat.plugins': ['GET /_cat/plugins'],
  'cat.shards': ['GET /_cat/shards', 'GET /_cat/shards/{index}'],
  'cat.templates': ['GET /_cat/templates', 'GET /_cat/templates/{name}'],
  'indices.simulate_template': ['POST /_index_template/_simulate', 'POST /_index_template/_simulate/{name}'],
  'indices.put_index_template': ['PUT /_index_template/{name}', 'POST /_index_template/{name}'],
  'indices.put_template': ['PUT /_template/{name}', 'POST /_template/{name}'],
  'indices.get_template': ['GET /_template', 'GET /_template/{name}'],
  'indices.exists_template': ['HEAD /_template/{name}'],
  'indices.delete_template': ['DELETE /_template/{name}'],
  'indices.get_index_template': ['GET /_index_template', 'GET /_index_template/{name}'],
  'indices.exists_index_template': ['HEAD /_index_template/{name}'],
  'indices.delete_index_template': ['DELETE /_index_template/{name}'],
  'indices.simulate_index_template': ['POST /_index_template/_simulate_index/{name}'],
  'cluster.put_component_template': ['PUT /_component_template/{name}', 'POST /_component_template/{name}'],
  'cluster.get_component_template': ['GET /_component_template', 'GET /_component_template/{name}'],
  'cluster.exists_component_template': ['HEAD /_component_template/{name}'],
  'cluster.delete_component_template': ['DELETE /_component_template/{name}'],
  'indices.data_streams_stats': ['GET /_data_stream/_stats', 'GET /_data_stream/{name}/_stats'],
  'indices.create_data_stream': ['PUT /_data_stream/{name}'],
  'indices.migrate_to_data_stream': ['POST /_data_stream/_migrate/{name}'],
  'indices.modify_data_stream': ['POST /_data_stream/_modify'],
  'indices.get_data_stream': ['GET /_data_stream', 'GET /_data_stream/{name}'],
  'indices.delete_data_stream': ['DELETE /_data_stream/{name}'],
  'ingest.simulate': ['GET /_ingest/pipeline/_simulate', 'POST /_ingest/pipeline/_simulate', 'GET /_ingest/pipeline/{id}/_simulate', 'POST /_ingest/pipeline/{id}/_simulate'],
  'ingest.put_pipeline': ['PUT /_ingest/pipeline/{id}'],
  'ingest.get_pipeline': ['GET /_ingest/pipeline', 'GET /_ingest/pipeline/{id}'],
  'ingest.delete_pipeline': ['DELETE /_ingest/pipeline/{id}'],
  'simulate.ingest': ['GET /_ingest/_simulate', 'POST /_ingest/_simulate', 'GET /_ingest/{index}/_simulate', 'POST /_ingest/{index}/_simulate'],
  'ilm.put_lifecycle': ['PUT /_ilm/policy/{name}'],
  'ilm.get_lifecycle': ['GET /_ilm/policy', 'GET /_ilm/policy/{name}'],
  'ilm.delete_lifecycle': ['DELETE /_ilm/policy/{name}'],
  'ilm.get_status': ['GET /_ilm/status'],
  'ilm.start': ['POST /_ilm/start'],
  'ilm.stop': ['POST /_ilm/stop'],
  'ilm.explain_lifecycle': ['GET /{index}/_ilm/explain'],
  'ilm.remove_policy': ['POST /{index}/_ilm/remove'],
  'ilm.retry': ['POST /{index}/_ilm/retry'],
  'snapshot.get_repository': ['GET /_snapshot', 'GET /_snapshot/{repository}'],
  'snapshot.status': ['GET /_snapshot/_status'],
  'snapshot.create_repository': ['PUT /_snapshot/{repository}', 'POST /_snapshot/{repository}'],
  'snapshot.get': ['GET /_snapshot/{repository}/{snapshot}'],
  'cat.repositories': ['GET /_cat/repositories'],
  'slm.get_status': ['GET /_slm/status'],
  'slm.get_stats': ['GET /_slm/stats'],
  'slm.get_lifecycle': ['GET /_slm/policy', 'GET /_slm/policy/{id}'],
  'slm.put_lifecycle': ['PUT /_slm/policy/{id}'],
  'slm.start': ['POST /_slm/start'],
  'slm.stop': ['POST /_slm/stop'],
  'tasks.list': ['GET /_tasks'],
  'tasks.get': ['GET /_tasks/{id}'],
  'tasks.cancel': ['POST /_tasks/_cancel'],
  'cat.tasks': ['GET /_cat/tasks'],
  'bulk': ['POST /_bulk', 'POST /{index}/_bulk', 'PUT /{index}/_bulk'],
  'index': ['PUT /{index}/_doc/{id}', 'POST /{index}/_doc/{id}', 'POST /{index}/_doc'],
  'create': ['PUT /{index}/_create/{id}', 'POST /{index}/_create/{id}'],
  'get': ['GET /{index}/_doc/{id}'],
  'exists': ['HEAD /{index}/_doc/{id}'],
  'mget': ['GET /_mget', 'POST /_mget', 'GET /{index}/_mget', 'POST /{index}/_mget'],
  'get_source': ['GET /{index}/_source/{id}'],
  'exists_source': ['HEAD /{index}/_source/{id}'],
  'delete': ['DELETE /{index}/_doc/{id}'],
  'delete_by_query': ['POST /{index}/_delete_by_query'],
  'reindex': ['POST /_reindex'],
  'update_by_query': ['POST /{index}/_update_by_query'],
  'delete_by_query_rethrottle': ['POST /_delete_by_query/{task}/_rethrottle'],
  'update_by_query_rethrottle': ['POST /_update_by_query/{task}/_rethrottle'],
  'reindex_rethrottle': ['POST /_reindex/{task}/_rethrottle'],
  'update': ['POST /{index}/_update/{id}'],
  'put_script': ['PUT /_scripts/{id}', 'POST /_scripts/{id}'],
  'get_script': ['GET /_scripts/{id}'],
  'delete_script': ['DELETE /_scripts/{id}'],
  'render_search_template': ['GET /_render/template', 'POST /_render/template', 'GET /_render/template/{id}', 'POST /_render/template/{id}'],
  'search_template': ['GET /_search/template', 'POST /_search/template', 'GET /{index}/_search/template', 'POST /{index}/_search/template'],
  'msearch_template': ['GET /_msearch/template', 'POST /_msearch/template', 'GET /{index}/_msearch/template', 'POST /{index}/_msearch/template'],
  'msearch': ['GET /_msearch', 'POST /_msearch', 'GET /{index}/_msearch', 'POST /{index}/_msearch'],
  'search': ['GET /_search', 'POST /_search', 'GET /{index}/_search', 'POST /{index}/_search'],
  'scroll': ['GET /_search/scroll', 'POST /_search/scroll', 'GET /_search/scroll/{id}', 'POST /_search/scroll/{id}'],
  'clear_scroll': ['DELETE /_search/scroll', 'DELETE /_search/scroll/{id}'],
  'async_search.submit': ['POST /_async_search', 'POST /{index}/_async_search'],
  'async_search.status': ['GET /_async_search/status/{id}'],
  'async_search.get': ['GET /_async_search/{id}'],
  'async_search.delete': ['DELETE /_async_search/{id}'],
  'open_point_in_time': ['POST /{index}/_pit'],
  'close_point_in_time': ['DELETE /_pit'],
  'field_caps': ['GET /_field_caps', 'POST /_field_caps', 'GET /{index}/_field_caps', 'POST /{index}/_field_caps'],
  'indices.analyze': ['GET /_analyze', 'POST /_analyze', 'GET /{index}/_analyze', 'POST /{index}/_analyze'],
  'explain': ['GET /{index}/_explain/{id}', 'POST /{index}/_explain/{id}'],
  'count': ['GET /_count', 'POST /_count', 'GET /{index}/_count', 'POST /{index}/_count'],
  'indices.clone': ['PUT /{index}/_clone/{target}', 'POST /{index}/_clone/{target}'],
  'indices.shrink': ['PUT /{index}/_shrink/{target}', 'POST /{index}/_shrink/{target}'],
  'indices.split': ['PUT /{index}/_split/{target}', 'POST /{index}/_split/{target}'],
  'indices.close': ['POST /{index}/_close'],
  'indices.open': ['POST /{index}/_open'],
  'indices.add_block': ['PUT /{index}/_block/{block}'],
  'indices.remove_block': ['DELETE /{index}/_block/{block}'],
  'indices.resolve_index': ['GET /_resolve/index/{name}'],
  'indices.stats': ['GET /_stats', 'GET /_stats/{metric}', 'GET /{index}/_stats', 'GET /{index}/_stats/{metric}'],
  'terms_enum': ['GET /{index}/_terms_enum', 'POST /{index}/_terms_enum'],
  'indices.flush': ['POST /_flush', 'GET /_flush', 'POST /{index}/_flush', 'GET /{index}/_flush'],
  'indices.forcemerge': ['POST /_forcemerge', 'POST /{index}/_forcemerge'],
  'indices.clear_cache': ['POST /_cache/clear', 'POST /{index}/_cache/clear'],
  'indices.get_field_mapping': ['GET /_mapping/field/{fields}', 'GET /{index}/_mapping/field/{fields}'],
  'indices.validate_query': ['GET /_validate/query', 'POST /_validate/query', 'GET /{index}/_validate/query', 'POST /{index}/_validate/query'],
  'search_shards': ['GET /_search_shards', 'POST /_search_shards', 'GET /{index}/_search_shards', 'POST /{index}/_search_shards'],
  'indices.recovery': ['GET /_recovery', 'GET /{index}/_recovery'],
  'indices.segments': ['GET /_segments', 'GET /{index}/_segments'],
  'indices.shard_stores': ['GET /_shard_stores', 'GET /{index}/_shard_stores'],
  'cat.recovery': ['GET /_cat/recovery', 'GET /_cat/recovery/{index}'],
  'cat.segments': ['GET /_cat/segments', 'GET /_cat/segments/{index}'],
  'cluster.allocation_explain': ['GET /_cluster/allocation/explain', 'POST /_cluster/allocation/explain'],
  'dangling_indices.list_dangling_indices': ['GET /_dangling'],
  'cat.nodeattrs': ['GET /_cat/nodeattrs'],
  'cat.fielddata': ['GET /_cat/fielddata', 'GET /_cat/fielddata/{fields}'],
  'cat.pending_tasks': ['GET /_cat/pending_tasks'],
  'cat.snapshots': ['GET /_cat/snapshots', 'GET /_cat/snapshots/{repository}'],
  'cat.help': ['GET /_cat'],
  'indices.refresh': ['POST /_refresh', 'GET /_refresh', 'POST /{index}/_refresh', 'GET /{index}/_refresh'],
  'indices.rollover': ['POST /{target}/_rollover', 'POST /{target}/_rollover/{newIndex}'],
  'indices.get_mapping': ['GET /_mapping', 'GET /{index}/_mapping', 'GET /_mappings', 'GET /{index}/_mappings'],
  'indices.put_mapping': ['PUT /{index}/_mapping', 'POST /{index}/_mapping', 'PUT /{index}/_mappings', 'POST /{index}/_mappings'],
  'indices.reload_search_analyzers': ['POST /{index}/_reload_search_analyzers', 'GET /{index}/_reload_search_analyzers'],
  'indices.get_settings': ['GET /_settings', 'GET /_settings/{name}', 'GET /{index}/_settings', 'GET /{index}/_settings/{name}'],
  'indices.put_settings': ['PUT /_settings', 'PUT /{index}/_settings'],
  'indices.update_aliases': ['POST /_aliases'],
  'indices.put_alias': ['PUT /{index}/_alias/{name}', 'POST /{index}/_alias/{name}', 'PUT /{index}/_aliases/{name}', 'POST /{index}/_aliases/{name}'],
  'indices.delete_alias': ['DELETE /{index}/_alias/{name}'],
  'indices.get_alias': ['GET /_alias', 'GET /_alias/{name}', 'GET /{index}/_alias', 'GET /{index}/_alias/{name}'],
  'indices.exists_alias': ['HEAD /_alias/{name}', 'HEAD /{index}/_alias/{name}'],
  'indices.create': ['PUT /{index}'],
  'indices.get': ['GET /{index}'],
  'indices.exists': ['HEAD /{index}'],
  'indices.delete': ['DELETE /{index}'],
};

/** Read by the REST layer for every request (AbstractRestChannel, RestController), whatever the API. */
const ALWAYS_ACCEPTED = ['error_trace', 'filter_path', 'format', 'human', 'pretty'];

/** A body given in the query (RestRequest.contentOrSourceParam), for clients that cannot send one with a GET. */
const SOURCE_PARAMS = ['source', 'source_content_type'];

/** The table layout of every `_cat` API (AbstractCatAction's response parameters and `help`). */
const CAT_PARAMS = ['bytes', 'format', 'h', 'help', 's', 'size', 'time', 'ts', 'v', 'pri'];

/**
 * The index options: where an API reads one of them, it reads all four (IndicesOptions.fromRequest), though the
 * specification names only some for a few APIs (`indices.stats` lists `expand_wildcards` alone, and
 * prometheus-elasticsearch-exporter asks `/_all/_stats?ignore_unavailable=true`, which Elasticsearch answers).
 */
const INDICES_OPTIONS = ['allow_no_indices', 'expand_wildcards', 'ignore_throttled', 'ignore_unavailable'];

function withIndicesOptions(params: readonly string[]): readonly string[] {
  return params.some((name) => INDICES_OPTIONS.includes(name)) ? [...params, ...INDICES_OPTIONS] : params;
}

/** What a route's API accepts: its query parameters, and whether it reads a body. */
export interface RouteRules {
  params: ReadonlySet<string>;
  body: boolean;
}

const RULES_BY_ROUTE = new Map<string, RouteRules>();
for (const [api, routes] of Object.entries(API_ROUTES)) {
  const params = API_PARAMS[api];
  if (params === undefined) throw new Error(`no parameters known for the API ${api}`);
  const body = !APIS_WITHOUT_BODY.has(api);
  // A body given as `source` is read only by an API that reads a body.
  const accepted = new Set([...withIndicesOptions(params), ...ALWAYS_ACCEPTED, ...(body ? SOURCE_PARAMS : []), ...(api.startsWith('cat.') ? CAT_PARAMS : [])]);
  for (const route of routes) RULES_BY_ROUTE.set(route, { params: accepted, body });
}

/** The rules of a route; undefined for a route of no Elasticsearch API (the emulator's own). */
export function routeRules(method: string, path: string): RouteRules | undefined {
  return RULES_BY_ROUTE.get(`${method} ${path}`) ?? (method === 'HEAD' ? RULES_BY_ROUTE.get(`GET ${path}`) : undefined);
}

/** The candidates more alike to `name` than `threshold`, the most alike first, then by name, as Elasticsearch suggests them. */
export function alike(name: string, candidates: Iterable<string>, threshold: number): string[] {
  return [...candidates]
    .map((candidate) => ({ candidate, score: similarity(name, candidate) }))
    .filter(({ score }) => score > threshold)
    .sort((x, y) => y.score - x.score || (x.candidate < y.candidate ? -1 : 1))
    .map(({ candidate }) => candidate);
}

/** Lucene's LevenshteinDistance: 1 - edits / the longer length, which Elasticsearch ranks suggestions by. */
function similarity(a: string, b: string): number {
  if (a.length === 0 || b.length === 0) return a.length === b.length ? 1 : 0;
  let previous = Array.from({ length: a.length + 1 }, (_, i) => i);
  for (let j = 1; j <= b.length; j++) {
    const current = [j];
    for (let i = 1; i <= a.length; i++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[i] = Math.min((current[i - 1] as number) + 1, (previous[i] as number) + 1, (previous[i - 1] as number) + cost);
    }
    previous = current;
  }
  return 1 - (previous[a.length] as number) / Math.max(a.length, b.length);
}

/**
 * The names suggested for an unknown one: those more than half alike, the most alike first, then by name (the body's
 * `source` is no candidate: Elasticsearch reads it only for a request without a body).
 */
function suggestions(invalid: string, accepted: ReadonlySet<string>): string {
  const close = alike(invalid, [...accepted].filter((name) => !SOURCE_PARAMS.includes(name)), 0.5);
  if (close.length === 0) return '';
  return ` -> did you mean ${close.length > 1 ? 'any of ' : ''}[${close.join(', ')}]?`;
}

/**
 * Refuses what the route's API does not read, in Elasticsearch's words and order: a query parameter, then a body (the
 * check comes after the handler read what it reads, so a body it reads was parsed before).
 */
export function checkRequest(method: string, path: string, query: Readonly<Record<string, string>>, bodyLength: number, rules: RouteRules): void {
  checkParams(path, query, rules.params);
  if (!rules.body && bodyLength > 0) throw new EsError(400, 'illegal_argument_exception', `request [${method} ${path}] does not support having a body`);
}

function checkParams(path: string, query: Readonly<Record<string, string>>, accepted: ReadonlySet<string>): void {
  const unknown = Object.keys(query).filter((name) => !accepted.has(name));
  if (unknown.length > 0) throw unrecognized(path, 'parameter', unknown, accepted);
}

/**
 * BaseRestHandler.unrecognized, for parameters and for an API's metrics alike: each unknown name, in order, with the
 * accepted names most like it suggested.
 */
export function unrecognized(path: string, kind: string, unknown: readonly string[], accepted: ReadonlySet<string>): EsError {
  const listed = [...unknown].sort().map((name) => `[${name}]${suggestions(name, accepted)}`).join(', ');
  return new EsError(400, 'illegal_argument_exception', `request [${path}] contains unrecognized ${kind}${unknown.length > 1 ? 's' : ''}: ${listed}`);
}
