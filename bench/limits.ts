/**
 * For each figure of `npm run bench`, what limits it, as the CPU profiles showed (node --cpu-prof of the
 * process named; how to take them: docs/benchmarks.md). Matched on the section and the start of the name.
 */
const LIMITS: Array<[section: string, startOfName: RegExp, limit: string]> = [
  ['local mode demo', /all indexed/, 'CPU: on 2 cores one process runs the generator and kafkajs producing (about 30 µs per event, the baseline), the Kafka emulator (about 10 µs), ingest (80–100 µs) and the Elasticsearch emulator (60–80 µs), each on its own thread'],
  ['local mode demo', /SLA report issued/, "the month's SLI rollups: about 14 000 per-route minute documents a day, written to and indexed by the Elasticsearch emulator, and composite aggregations paged a thousand buckets at a time"],
  ['local mode demo', /events per second/, 'see the row "all indexed"'],
  ['pipelines, one core', /^whole pipeline: decode/, 'the enrichers, stage by stage in the rows below; the baseline is one JSON.parse + JSON.stringify per line'],
  ['pipelines, one core', /^whole pipeline, documents serialised/, 'as above, plus JSON.stringify of each document, which is larger than its line'],
  ['pipelines, one core', /^decode, route/, 'JSON.parse of the line and building the ECS object tree (allocation and garbage collection)'],
  ['pipelines, one core', /^\+ security/, 'per HTTP event (58 % of the mix) one lookup of its URI for the request line\'s rules, one of its user agent, and the path and agent signatures (the security section\'s first row); the 2 % attack lines are 309 distinct requests of the labelled corpus (351 lines), each judged by the rules once and then remembered (the repeated attack row); a request whose URI is new costs about 40 µs (the rows of the security section), which in this mix is the first of each URI\'s four or so appearances, in the first of the five passes'],
  ['pipelines, one core', /^\+ redaction/, 'the expressions over the strings of each document: one pass for the hints of a JWT, a key word or a run of digits, then the email expression where an "@" or "%40" is (83 % of the mix\'s lines carry an address)'],
  ['security stage (OWASP CRS)', /^benign Traefik request, its values/, 'one lookup of the URI for the request line\'s rules, one of each logged header, the path and agent signatures; the request\'s variables are not built and no rule runs'],
  ['security stage (OWASP CRS)', /^benign Traefik request with a path/, 'the request\'s variables are built and the values made from the path (URI, request line, file name, base name, query) are new: each gets its alphabet, its URL-decoded forms, one pass of the atom scanner per form and the few rules left, and is remembered'],
  ['security stage (OWASP CRS)', /^attack/, 'the rules the screen selects run in the engine: transformations, the expressions, libinjection in WebAssembly, and the anomaly score'],
  ['security stage (OWASP CRS)', /^the same attack again/, 'one lookup of the whole request (its method, URI, protocol and logged headers) for the remembered verdict, then the signatures and the ECS fields'],
  ['security stage (OWASP CRS)', /^loading/, 'converting 240 expressions and computing each rule\'s alphabet and literal atoms, then the atom scanner\'s table'],
  ['security stage (OWASP CRS)', /^CRS regression/, 'the failures are listed in docs/security.md: configuration limits CRS leaves unset, a form body read as a query, a value longer than 2 KB'],
  ['security stage (OWASP CRS)', /^benign API requests/, 'at PL1, 932130 on "[1]" in file names in a URL parameter; at PL2, 931130 on callback URLs to other domains and the SQL rules on JSON in a parameter'],
  ['Kafka emulator', /^kafkajs → emulator, produce, 1 KiB/, 'kafkajs in the producing process (records encoded and checksummed in JavaScript); the emulator is mostly idle'],
  ['Kafka emulator', /^kafkajs → emulator, produce: messages per CPU/, "the emulator's CRC-32C check of each batch, then walking its records to validate them"],
  ['Kafka emulator', /^emulator → kafkajs, consume, 1 KiB/, 'kafkajs decoding the batches in the consuming process; the emulator only copies stored batches out'],
  ['Kafka emulator', /^emulator → kafkajs, consume: messages per CPU/, 'measurement resolution: the emulator\'s CPU for the whole consume is a few tenths of a second, read from /proc in 10 ms ticks'],
  ['Kafka emulator', /^kafkajs → emulator, produce: kafkajs's own CPU/, 'kafkajs encoding each record (varints, headers) and the CRC-32C of each batch in JavaScript'],
  ['Kafka emulator', /^emulator → kafkajs, consume: kafkajs's own CPU/, 'kafkajs decoding each record into an object with Buffers for key and value; the ingest worker pays this for every event'],
  ['Kafka emulator', /^validate/, 'decompression (zlib for gzip, lz4js in JavaScript for lz4), then about 0.4 µs a record for the framing walk'],
  ['Elasticsearch emulator', /^_bulk indexing of Sluice documents/, 'garbage collection, about a third of its CPU with the helper threads, and more the more it holds (here the 200 000 documents of the rows above are already in it; into an empty emulator 47–54 µs): what it keeps per document is the values of some sixty fields and a view of the bytes. Then JSON.parse of each document (the baseline) and the mapping walk, a fifth each; HTTP and the bulk protocol the rest'],
  ['Elasticsearch emulator', /^_bulk indexing/, 'per document: JSON.parse of the line, the mapping walk that turns the source into searchable values, and garbage collection; HTTP and the bulk protocol the rest'],
  ['Elasticsearch emulator', /^date_histogram/, 'a loop in JavaScript over every document\'s field values'],
  ['ingest end to end', /^sustained/, 'CPU, and turns: the worker (its CPU per event is the row below) and the Elasticsearch emulator (about 50 µs per Sluice document) share 2 cores with the producer, and the worker fetches again only once a fetch\'s documents are acknowledged (so that batches stay whole across rebalances), so it waits for the emulator about a third of the time'],
  ['ingest end to end', /^the worker, per CPU-second/, 'of its busy time (profile, full pipeline): the pipeline about 30 %, writing bulk bodies into memory touched for the first time about 12 % (in a backlog every buffer is still in flight), JSON.stringify a tenth, garbage collection a tenth (its helper threads add a fifth of the process\'s CPU), metrics derived from logs 8 %, kafkajs the rest; start-up is not in this figure'],
  ['ingest end to end', /^produce → acknowledged by/, 'the first seconds of a worker just started: it runs its first events through code V8 has not compiled yet (each regular expression is compiled on its first use: the user-agent rules and CRS operators were a fifth of the first loaded second in a profile) and reads GeoIP pages for the first time, so a backlog of 2-3 s builds and is caught up; the row below leaves those seconds out'],
  ['ingest end to end', /^produce → acknowledged p99 after/, 'one fetch wait and one bulk round trip, and the searches of the rows below: the Elasticsearch emulator answers them (two of up to 10 000 hits every 200 ms) on the same 2 cores. Without those searches, by hand, a warm worker acknowledged every event of seconds 5 to 10 within 100 ms (second by second from its histogram)'],
  ['ingest end to end', /^produce → searchable/, 'the queue above, then the index refresh interval (1 s, as in Elasticsearch) and the search poll (every 200 ms)'],
  ['ingest end to end', /^events of the .* not searchable/, 'the queue above: the worker had not caught up 30 s after the load ended'],
  ['against rsyslog', /^an idle worker/, 'the GeoIP data: the IPv4 city database (63 MB, read whole by the MaxMind reader, which takes a Buffer) and the IPv4 ASN ranges (typed arrays and one name per AS, about 8 MB); with no enricher a worker idles at 105 MB (heap 58 MB, code and Node itself the rest)'],
  ['against rsyslog', /^rsyslog:.*events\/s|^rsyslog:.*Traefik lines/, 'the Elasticsearch emulator indexing its documents; rsyslog itself (C, librdkafka) used about half a core (its events/s over its events per CPU-second)'],
  ['against rsyslog', /^Sluice, the same work.*Traefik lines/, 'the worker\'s CPU (kafkajs, normalising to ECS, the bulk path), its start-up, and the emulator, which spends about twice the CPU on each ECS document that it spends on rsyslog\'s (the Elasticsearch rows)'],
  ['against rsyslog', /^Sluice, full pipeline, one member:.*Traefik lines/, 'as the row above, plus the enrichers; the GeoIP load at start-up counts in a run this short'],
  ['against rsyslog', /^Sluice, full pipeline, one member per core.*Traefik lines/, 'on 2 cores, the members compete with both emulators for the same CPUs, and each member loads its own GeoIP data'],
  ['against rsyslog', /CPU-seconds per million events$/, 'see the events per CPU-second row'],
  ['against rsyslog', /events per CPU-second of its own$/, 'rsyslog parses in C; Sluice decodes Kafka in JavaScript (kafkajs), builds ECS documents and serialises them, and its start-up (GeoIP and the user-agent rules: about 3.5 CPU-seconds with every enricher, 2.3 without) counts in a run of 100 000 lines'],
  ['against rsyslog', /start-up left out$/, 'Sluice: its CPU before its metrics counted a first consumed message is left out (loading GeoIP and the user-agent rules, connecting, joining the group); rsyslog starts in a few milliseconds of C, so its figure is the row above. Where Sluice\'s CPU goes per event: the ingest rows'],
  ['against rsyslog', /peak memory/, 'Sluice: the GeoIP data per member, and the in-flight bound; rsyslog: its queue'],
  ['against rsyslog', /Elasticsearch emulator's CPU-seconds/, 'the field count of the documents: rsyslog indexes the Traefik line\'s 7 to 9 fields, Sluice an ECS document of several times as many (more with enrichment)'],
];

export function limitOf(section: string, name: string): string | undefined {
  return LIMITS.find(([limitSection, pattern]) => limitSection === section && pattern.test(name))?.[2];
}
