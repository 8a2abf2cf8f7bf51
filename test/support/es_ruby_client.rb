# Drives the Elasticsearch emulator with Debian's official Ruby client (ruby-elasticsearch 7.17), the client
# fluent-plugin-elasticsearch (Fluentd's Elasticsearch output) is built on, as that output writes: a bulk body sent as
# one NDJSON string, `create` actions into a data stream, each item's answer read for its error.
#
# Usage: es_ruby_client.rb URL. Prints one JSON report on stdout; the test checks it.
require 'elasticsearch'
require 'json'

client = Elasticsearch::Client.new(url: ARGV[0], log: false)
report = {}
report['version'] = client.info['version']['number']

client.indices.put_index_template(name: 'fluentd', body: {
  index_patterns: ['fluentd-*'], data_stream: {}, priority: 200,
  template: { mappings: { properties: { '@timestamp' => { type: 'date' }, level: { type: 'keyword' }, message: { type: 'text' }, latency_ms: { type: 'long' } } } }
})

lines = (0...50).flat_map do |i|
  level = (i % 5).zero? ? 'error' : 'info'
  [{ create: { _index: 'fluentd-app' } }, { '@timestamp' => format('2026-12-07T10:%02d:00Z', i), level: level, message: level == 'error' ? "job #{i} failed" : "job #{i} done", latency_ms: i * 10 }]
end
# One record Elasticsearch refuses on its own (a time that is no date): only its item fails, as Fluentd expects.
lines += [{ create: { _index: 'fluentd-app' } }, { '@timestamp' => 'yesterday', level: 'info', message: 'bad time' }]
body = lines.map { |line| JSON.generate(line) }.join("\n") + "\n"
bulk = client.bulk(body: body, refresh: true)
report['bulk_errors'] = bulk['errors']
report['bulk_statuses'] = bulk['items'].map { |item| item['create']['status'] }.tally
report['bulk_refused'] = bulk['items'].map { |item| item['create']['error'] }.compact.map { |error| error['type'] }

report['count'] = client.count(index: 'fluentd-app')['count']
search = client.search(index: 'fluentd-app', body: {
  query: { query_string: { query: 'level:error AND message:failed' } }, size: 3, sort: [{ '@timestamp' => 'desc' }],
  aggs: { levels: { terms: { field: 'level' } }, per_10m: { date_histogram: { field: '@timestamp', fixed_interval: '10m' }, aggs: { slowest: { max: { field: 'latency_ms' } } } } }
})
report['errors_total'] = search['hits']['total']['value']
report['latest_errors'] = search['hits']['hits'].map { |hit| hit['_source']['message'] }
report['levels'] = search['aggregations']['levels']['buckets'].to_h { |bucket| [bucket['key'], bucket['doc_count']] }
report['per_10m'] = search['aggregations']['per_10m']['buckets'].map { |bucket| [bucket['key_as_string'], bucket['doc_count'], bucket['slowest']['value']] }

page = client.search(index: 'fluentd-app', scroll: '1m', size: 7, body: { query: { match_all: {} } })
scrolled = page['hits']['hits'].size
while (page = client.scroll(body: { scroll_id: page['_scroll_id'] }, scroll: '1m')) && page['hits']['hits'].any?
  scrolled += page['hits']['hits'].size
end
report['scrolled'] = scrolled
report['scroll_cleared'] = client.clear_scroll(body: { scroll_id: page['_scroll_id'] })['succeeded']

client.index(index: 'ruby-jobs', id: 'job-1', body: { status: 'queued' }, refresh: true)
client.update(index: 'ruby-jobs', id: 'job-1', body: { doc: { status: 'done', attempts: 2 } }, refresh: true)
report['updated'] = client.get_source(index: 'ruby-jobs', id: 'job-1')
report['exists'] = [client.exists?(index: 'ruby-jobs', id: 'job-1'), client.exists?(index: 'ruby-jobs', id: 'job-2'), client.indices.exists?(index: 'ruby-jobs'), client.indices.exists?(index: 'nothing-here')]
report['deleted'] = client.delete_by_query(index: 'ruby-jobs', body: { query: { term: { status: 'done' } } }, refresh: true)['deleted']

begin
  client.search(index: 'nothing-here')
  report['missing_index'] = 'answered'
rescue Elasticsearch::Transport::Transport::Errors::NotFound => error
  report['missing_index'] = [error.class.name.split('::').last, JSON.parse(error.message.sub(/\A\[\d+\] /, ''))['error']['type']]
end
begin
  client.search(index: 'fluentd-app', body: { query: { match_all: {} }, sizee: 1 })
  report['bad_search'] = 'answered'
rescue Elasticsearch::Transport::Transport::Errors::BadRequest => error
  report['bad_search'] = [error.class.name.split('::').last, JSON.parse(error.message.sub(/\A\[\d+\] /, ''))['error']['type']]
end
puts JSON.generate(report)
