/**
 * For each figure of `npm run bench`, what limits it, as the CPU profiles showed (node --cpu-prof of the
 * process named; how to take them: docs/benchmarks.md). Matched on the section and the start of the name.
 */
const LIMITS: Array<[section: string, startOfName: RegExp, limit: string]> = [
  ['pipelines, one core', /^whole pipeline: decode/, 'the enrichers, stage by stage in the rows below; the baseline is one JSON.parse + JSON.stringify per line'],
  ['pipelines, one core', /^whole pipeline, documents serialised/, 'as above, plus JSON.stringify of each document, which is larger than its line'],
  ['pipelines, one core', /^decode, route/, 'JSON.parse of the line and building the ECS object tree (allocation and garbage collection)'],
  ['Kafka emulator', /^kafkajs → emulator, produce, 1 KiB/, 'kafkajs in the producing process (records encoded and checksummed in JavaScript); the emulator is mostly idle'],
  ['Kafka emulator', /^kafkajs → emulator, produce: messages per CPU/, "the emulator's CRC-32C check of each batch, then walking its records to validate them"],
  ['Kafka emulator', /^emulator → kafkajs, consume, 1 KiB/, 'kafkajs decoding the batches in the consuming process; the emulator only copies stored batches out'],
  ['Kafka emulator', /^emulator → kafkajs, consume: messages per CPU/, 'measurement resolution: the emulator\'s CPU for the whole consume is a few tenths of a second, read from /proc in 10 ms ticks'],
  ['Kafka emulator', /^kafkajs → emulator, produce: kafkajs's own CPU/, 'kafkajs encoding each record (varints, headers) and the CRC-32C of each batch in JavaScript'],
  ['Kafka emulator', /^emulator → kafkajs, consume: kafkajs's own CPU/, 'kafkajs decoding each record into an object with Buffers for key and value; the ingest worker pays this for every event'],
  ['Kafka emulator', /^validate/, 'decompression (zlib for gzip, lz4js in JavaScript for lz4), then about 0.4 µs a record for the framing walk'],
  ['Elasticsearch emulator', /^_bulk indexing/, 'per document: the mapping walk that turns the source into searchable field values (two fifths of its busy time on Sluice documents), garbage collection (a fifth), JSON.parse and UTF-8 decoding of the body (a sixth)'],
  ['Elasticsearch emulator', /^date_histogram/, 'a loop in JavaScript over every document\'s field values'],
  ['ingest end to end', /^sustained/, 'CPU: on 2 cores the worker (about 120 µs of CPU per event of the mix) shares the machine with the Elasticsearch emulator (90–170 µs per Sluice document) and the producer; the worker waits on the emulator about 40 % of the time'],
  ['ingest end to end', /^the worker, per CPU-second/, 'of its busy time: the pipeline a fifth, the bulk request path (joining the body, encoding it, undici and the client\'s middleware) a seventh, garbage collection a fifth, metrics derived from logs 6 %, kafkajs fetching and decoding most of the rest; start-up is not in this figure'],
  ['ingest end to end', /^produce → acknowledged/, 'the offered 5 000 events/s is about what the worker sustains here with the producer on the same 2 cores, so a queue builds up; below its capacity, one fetch wait and one bulk round trip'],
  ['ingest end to end', /^produce → searchable/, 'the queue above, then the index refresh interval (1 s, as in Elasticsearch) and the search poll (every 200 ms)'],
  ['ingest end to end', /^events of the .* not searchable/, 'the queue above: the worker had not caught up 30 s after the load ended'],
  ['against rsyslog', /^an idle worker/, 'the GeoIP data: two DB-IP city databases read into memory and the ASN ranges parsed into objects'],
  ['against rsyslog', /^rsyslog:.*events\/s|^rsyslog:.*Traefik lines/, 'the Elasticsearch emulator indexing its documents; rsyslog itself (C, librdkafka) used about half a core (its events/s over its events per CPU-second)'],
  ['against rsyslog', /^Sluice, the same work.*Traefik lines/, 'the worker\'s CPU (kafkajs, normalising to ECS, the bulk path) and the emulator, which spends 2.5 times the CPU on each ECS document that it spends on rsyslog\'s (the Elasticsearch rows)'],
  ['against rsyslog', /^Sluice, full pipeline, one member:.*Traefik lines/, 'as the row above, plus the enrichers; the GeoIP load at start-up counts in a run this short'],
  ['against rsyslog', /^Sluice, full pipeline, one member per core.*Traefik lines/, 'on 2 cores, the members compete with both emulators for the same CPUs, and each member loads its own GeoIP data'],
  ['against rsyslog', /CPU-seconds per million events$/, 'see the events per CPU-second row'],
  ['against rsyslog', /events per CPU-second of its own$/, 'rsyslog parses in C; Sluice decodes Kafka in JavaScript (kafkajs), builds ECS documents and serialises them'],
  ['against rsyslog', /peak memory/, 'Sluice: the GeoIP data per member, and the in-flight bound; rsyslog: its queue'],
  ['against rsyslog', /Elasticsearch emulator's CPU-seconds/, 'the field count of the documents: rsyslog indexes the Traefik line\'s 7 to 9 fields, Sluice an ECS document of several times as many (more with enrichment)'],
];

export function limitOf(section: string, name: string): string | undefined {
  return LIMITS.find(([limitSection, pattern]) => limitSection === section && pattern.test(name))?.[2];
}
