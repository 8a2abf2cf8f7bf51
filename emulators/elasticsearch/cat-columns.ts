/**
 * The columns of the `_cat` tables the emulator fills, as Elasticsearch declares them (each Rest*Action's
 * getTableWithHeader): their order (which `h=*` and `help` follow), their short names (`h=i,dc,ss`, `s=ss:desc`),
 * their description (`help`) and whether they are shown without `h`. Only the columns the emulator has a value for
 * are listed; Elasticsearch's tables hold more (caches, merges, search statistics …).
 */
export interface CatColumn {
  name: string;
  aliases: readonly string[];
  desc: string;
  /** `default:false`: shown only when `h` asks for it. */
  hidden: boolean;
  /** `text-align:right`: numbers and sizes, padded on the left. */
  right: boolean;
}

/**
 * `name`, then `alias1,alias2` (may be empty), then the description. Before the name, `-` hides the column and `>`
 * aligns it right.
 */
type Spec = readonly [string, string, string];

function columns(specs: readonly Spec[]): readonly CatColumn[] {
  return specs.map(([flagged, aliases, desc]) => {
    const flags = /^[->]*/.exec(flagged)?.[0] ?? '';
    return { name: flagged.slice(flags.length), aliases: aliases === '' ? [] : aliases.split(','), desc, hidden: flags.includes('-'), right: flags.includes('>') };
  });
}

/** Table.startHeadersWithTimestamp's two columns. */
const TIMESTAMP: readonly Spec[] = [
  ['epoch', 't,time', 'seconds since 1970-01-01 00:00:00'],
  ['timestamp', 'ts,hms,hhmmss', 'time in HH:MM:SS'],
];

export const CAT_COLUMNS = {
  aliases: columns([
    ['alias', 'a', 'alias name'],
    ['index', 'i,idx', 'index alias points to'],
    ['filter', 'f,fi', 'filter'],
    ['routing.index', 'ri,routingIndex', 'index routing'],
    ['routing.search', 'rs,routingSearch', 'search routing'],
    ['is_write_index', 'w,isWriteIndex', 'write index'],
  ]),
  allocation: columns([
    ['>shards', 's', 'number of shards on node'],
    ['>shards.undesired', '', 'number of shards that are scheduled to be moved elsewhere in the cluster'],
    ['>write_load.forecast', 'wlf,writeLoadForecast', 'sum of index write load forecasts'],
    ['>disk.indices.forecast', 'dif,diskIndicesForecast', 'sum of shard size forecasts'],
    ['>disk.indices', 'di,diskIndices', 'disk used by ES indices'],
    ['>disk.used', 'du,diskUsed', 'disk used (total, not just ES)'],
    ['>disk.avail', 'da,diskAvail', 'disk available'],
    ['>disk.total', 'dt,diskTotal', 'total capacity of all volumes'],
    ['>disk.percent', 'dp,diskPercent', 'percent disk used'],
    ['host', 'h', 'host of node'],
    ['ip', '', 'ip of node'],
    ['node', 'n', 'name of node'],
    ['-node.role', 'r,role,nodeRole', 'node roles'],
  ]),
  count: columns([...TIMESTAMP, ['count', 'dc,docs.count,docsCount', 'the document count']]),
  health: columns([
    ...TIMESTAMP,
    ['cluster', 'cl', 'cluster name'],
    ['status', 'st', 'health status'],
    ['>node.total', 'nt,nodeTotal', 'total number of nodes'],
    ['>node.data', 'nd,nodeData', 'number of nodes that can store data'],
    ['>shards', 't,sh,shards.total,shardsTotal', 'total number of shards'],
    ['>pri', 'p,shards.primary,shardsPrimary', 'number of primary shards'],
    ['>relo', 'r,shards.relocating,shardsRelocating', 'number of relocating nodes'],
    ['>init', 'i,shards.initializing,shardsInitializing', 'number of initializing nodes'],
    ['>unassign', 'u,shards.unassigned,shardsUnassigned', 'number of unassigned shards'],
    ['>unassign.pri', 'up,shards.unassigned.primary,shardsUnassignedPrimary', 'number of unassigned primary shards'],
    ['>pending_tasks', 'pt,pendingTasks', 'number of pending tasks'],
    ['>max_task_wait_time', 'mtwt,maxTaskWaitTime', 'wait time of longest task pending'],
    ['>active_shards_percent', 'asp,activeShardsPercent', 'active number of shards in percent'],
  ]),
  indices: columns([
    ['health', 'h', 'current health status'],
    ['status', 's', 'open/close status'],
    ['index', 'i,idx', 'index name'],
    ['uuid', 'id,uuid', 'index uuid'],
    ['>pri', 'p,shards.primary,shardsPrimary', 'number of primary shards'],
    ['>rep', 'r,shards.replica,shardsReplica', 'number of replica shards'],
    ['>docs.count', 'dc,docsCount', 'available docs'],
    ['>docs.deleted', 'dd,docsDeleted', 'deleted docs'],
    ['-creation.date', 'cd', 'index creation date (millisecond value)'],
    ['-creation.date.string', 'cds', 'index creation date (as string)'],
    ['>store.size', 'ss,storeSize', 'store size of primaries & replicas'],
    ['>pri.store.size', '', 'store size of primaries'],
    ['>dataset.size', '', 'total size of dataset'],
  ]),
  master: columns([
    ['id', '', 'node id'],
    ['host', 'h', 'host name'],
    ['ip', '', 'ip address'],
    ['node', 'n', 'node name'],
  ]),
  nodes: columns([
    ['-id', 'id,nodeId', 'unique node id'],
    ['-pid', 'p', 'process id'],
    ['ip', 'i', 'ip address'],
    ['-port', 'po', 'bound transport port'],
    ['-http_address', 'http', 'bound http address'],
    ['-version', 'v', 'es version'],
    ['->disk.total', 'dt,diskTotal', 'total disk space'],
    ['->disk.used', 'du,diskUsed', 'used disk space'],
    ['->disk.avail', 'd,da,disk,diskAvail', 'available disk space'],
    ['->disk.used_percent', 'dup,diskUsedPercent', 'used disk space percentage'],
    ['->heap.current', 'hc,heapCurrent', 'used heap'],
    ['>heap.percent', 'hp,heapPercent', 'used heap ratio'],
    ['->heap.max', 'hm,heapMax', 'max configured heap'],
    ['->ram.current', 'rc,ramCurrent', 'used machine memory'],
    ['>ram.percent', 'rp,ramPercent', 'used machine memory ratio'],
    ['->ram.max', 'rm,ramMax', 'total machine memory'],
    ['->file_desc.current', 'fdc,fileDescriptorCurrent', 'used file descriptors'],
    ['->file_desc.percent', 'fdp,fileDescriptorPercent', 'used file descriptor ratio'],
    ['->file_desc.max', 'fdm,fileDescriptorMax', 'max file descriptors'],
    ['>cpu', 'cpu', 'recent cpu usage'],
    ['>load_1m', 'l', '1m load avg'],
    ['>load_5m', 'l', '5m load avg'],
    ['>load_15m', 'l', '15m load avg'],
    ['->uptime', 'u', 'node uptime'],
    ['node.role', 'r,role,nodeRole', 'm:master eligible node, d:data node, i:ingest node, -:coordinating node only'],
    ['master', 'm', '*:current master'],
    ['name', 'n', 'node name'],
  ]),
  plugins: columns([
    ['-id', '', 'unique node id'],
    ['name', 'n', 'node name'],
    ['component', 'c', 'component'],
    ['version', 'v', 'component version'],
    ['-description', 'd', 'plugin details'],
  ]),
  recovery: columns([
    ['index', 'i,idx', 'index name'],
    ['shard', 's,sh', 'shard name'],
    ['time', 't,ti', 'recovery time'],
    ['type', 'ty', 'recovery type'],
    ['stage', 'st', 'recovery stage'],
    ['source_host', 'shost', 'source host'],
    ['source_node', 'snode', 'source node name'],
    ['target_host', 'thost', 'target host'],
    ['target_node', 'tnode', 'target node name'],
    ['repository', 'rep', 'repository'],
    ['snapshot', 'snap', 'snapshot'],
    ['files', 'f', 'number of files to recover'],
    ['files_recovered', 'fr', 'files recovered'],
    ['files_percent', 'fp', 'percent of files recovered'],
    ['files_total', 'tf', 'total number of files'],
    ['bytes', 'b', 'number of bytes to recover'],
    ['bytes_recovered', 'br', 'bytes recovered'],
    ['bytes_percent', 'bp', 'percent of bytes recovered'],
    ['bytes_total', 'tb', 'total number of bytes'],
    ['translog_ops', 'to', 'number of translog ops to recover'],
    ['translog_ops_recovered', 'tor', 'translog ops recovered'],
    ['translog_ops_percent', 'top', 'percent of translog ops recovered'],
  ]),
  segments: columns([
    ['index', 'i,idx', 'index name'],
    ['shard', 's,sh', 'shard name'],
    ['prirep', 'p,pr,primaryOrReplica', 'primary or replica'],
    ['ip', '', 'ip of node where it lives'],
    ['-id', '', 'unique id of node where it lives'],
    ['segment', 'seg', 'segment name'],
    ['>generation', 'g,gen', 'segment generation'],
    ['>docs.count', 'dc,docsCount', 'number of docs in segment'],
    ['>docs.deleted', 'dd,docsDeleted', 'number of deleted docs in segment'],
    ['>size', 'si', 'segment size in bytes'],
    ['>size.memory', 'sm,sizeMemory', 'segment memory in bytes'],
    ['committed', 'ic,isCommitted', 'is segment committed'],
    ['searchable', 'is,isSearchable', 'is segment searched'],
    ['version', 'v,ver', 'version'],
    ['compound', 'ico,isCompound', 'is segment compound'],
  ]),
  shards: columns([
    ['index', 'i,idx', 'index name'],
    ['shard', 's,sh', 'shard name'],
    ['prirep', 'p,pr,primaryOrReplica', 'primary or replica'],
    ['state', 'st', 'shard state'],
    ['>docs', 'd,dc', 'number of docs in shard'],
    ['>store', 'sto', 'store size of shard (how much disk it uses)'],
    ['>dataset', '', 'total size of dataset'],
    ['ip', '', 'ip of node where it lives'],
    ['-id', '', 'unique id of node where it lives'],
    ['node', 'n', 'name of node where it lives'],
    ['-unassigned.reason', 'ur', 'reason shard became unassigned'],
    ['-unassigned.at', 'ua', 'time shard became unassigned (UTC)'],
    ['->unassigned.for', 'uf', 'time has been unassigned'],
    ['-unassigned.details', 'ud', 'additional details as to why the shard became unassigned'],
  ]),
  tasks: columns([
    ['action', 'ac', 'task action'],
    ['task_id', 'ti', 'unique task id'],
    ['parent_task_id', 'pti', 'parent task id'],
    ['type', 'ty', 'task type'],
    ['start_time', 'start', 'start time in ms'],
    ['timestamp', 'ts,hms,hhmmss', 'start time in HH:MM:SS'],
    ['-running_time_ns', 'time', 'running time ns'],
    ['running_time', 'time', 'running time'],
    ['-node_id', 'ni', 'unique node id'],
    ['ip', 'i', 'ip address'],
    ['-port', 'po', 'bound transport port'],
    ['node', 'n', 'node name'],
  ]),
  templates: columns([
    ['name', 'n', 'template name'],
    ['index_patterns', 't', 'template index patterns'],
    ['order', 'o,p', 'template application order/priority number'],
    ['version', 'v', 'version'],
    ['composed_of', 'c', 'component templates comprising index template'],
  ]),
  thread_pool: columns([
    ['node_name', 'nn', 'node name'],
    ['-node_id', 'id', 'persistent node id'],
    ['-pid', 'p', 'process id'],
    ['-host', 'h', 'host name'],
    ['-ip', 'i', 'ip address'],
    ['-port', 'po', 'bound transport port'],
    ['name', 'n', 'thread pool name'],
    ['-type', 't', 'thread pool type'],
    ['>active', 'a', 'number of active threads'],
    ['->size', 's', 'number of threads'],
    ['>queue', 'q', 'number of tasks currently in queue'],
    ['->queue_size', 'qs', 'maximum number of tasks permitted in queue'],
    ['>rejected', 'r', 'number of rejected tasks'],
    ['->largest', 'l', 'highest number of seen active threads'],
    ['->completed', 'c', 'number of completed tasks'],
    ['->min', 'mi', 'minimum number of threads'],
    ['->max', 'ma', 'maximum number of threads'],
    ['->keep_alive', 'ka', 'thread keep alive time'],
  ]),
} satisfies Record<string, readonly CatColumn[]>;
