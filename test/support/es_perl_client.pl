# Drives the Elasticsearch emulator with Debian's Perl client (libsearch-elasticsearch-perl 8.00, Search::Elasticsearch
# with its 8_0 API), as Perl programs use it: the bulk helper (index, create, update, delete, its on_error callback),
# the scroll helper, searches with aggregations, mget, msearch, _cat, its error classes; then the same bulk through its
# other transports: LWP instead of HTTP::Tiny, gzip and deflate (request bodies compressed, answers asked for
# compressed), and the sniffing connection pool (it reads the node's publish address from _nodes/http).
#
# Usage: es_perl_client.pl URL. Prints one JSON report on stdout; the test checks it.
use strict;
use warnings;
use JSON::PP;
use Search::Elasticsearch;

my $url = $ARGV[0];
my $es = Search::Elasticsearch->new(nodes => [$url], client => '8_0::Direct');
my %report;
$report{version} = $es->info->{version}{number};

$es->indices->create(index => 'perl-jobs', body => { mappings => { properties => {
  '@timestamp' => { type => 'date' }, level => { type => 'keyword' }, message => { type => 'text' }, ms => { type => 'long' } } } });

my @refused;
my $bulk = $es->bulk_helper(index => 'perl-jobs', max_count => 20,
  on_error => sub { my ($action, $item) = @_; push @refused, [$action, $item->{status}, $item->{error}{type}, $item->{_id}, $item->{error}{reason}] });
for my $i (0 .. 49) {
  $bulk->index({ id => "job-$i", source => { '@timestamp' => sprintf('2026-12-07T10:%02d:00Z', $i), level => ($i % 5 ? 'info' : 'error'), message => "job $i " . ($i % 5 ? 'done' : 'failed'), ms => $i * 10 } });
}
# Refused by Elasticsearch item by item: an id taken, a time that is no date (without an id: it gets one).
$bulk->create({ id => 'job-1', source => { message => 'again' } });
$bulk->index({ source => { '@timestamp' => 'yesterday', message => 'bad time' } });
$bulk->update({ id => 'job-2', doc => { level => 'warn' } });
$bulk->delete({ id => 'job-3' });
$bulk->flush;
$report{refused} = \@refused;
$es->indices->refresh(index => 'perl-jobs');
$report{count} = $es->count(index => 'perl-jobs')->{count};

my $found = $es->search(index => 'perl-jobs', body => {
  query => { bool => { filter => [{ term => { level => 'error' } }], must => [{ match => { message => 'failed' } }] } },
  sort => [{ '@timestamp' => 'desc' }], size => 3,
  aggs => { levels => { terms => { field => 'level' } }, per_10m => { date_histogram => { field => '@timestamp', fixed_interval => '10m' }, aggs => { slowest => { max => { field => 'ms' } } } } } });
$report{errors_total} = $found->{hits}{total}{value};
$report{latest_errors} = [map { $_->{_id} } @{ $found->{hits}{hits} }];
$report{per_10m} = [map { [$_->{key_as_string}, $_->{doc_count}, $_->{slowest}{value}] } @{ $found->{aggregations}{per_10m}{buckets} }];

my $scroll = $es->scroll_helper(index => 'perl-jobs', size => 7, body => { query => { match_all => {} } });
my $scrolled = 0;
$scrolled++ while $scroll->next;
$report{scrolled} = $scrolled;
$report{updated} = $es->get_source(index => 'perl-jobs', id => 'job-2')->{level};
$report{exists} = [map { $_ ? JSON::PP::true : JSON::PP::false } $es->exists(index => 'perl-jobs', id => 'job-3'), $es->indices->exists(index => 'perl-jobs')];
$report{mget} = [map { $_->{found} ? JSON::PP::true : JSON::PP::false } @{ $es->mget(index => 'perl-jobs', body => { ids => ['job-1', 'job-3'] })->{docs} }];
$report{msearch} = [map { $_->{hits}{total}{value} } @{ $es->msearch(body => [
  { index => 'perl-jobs' }, { query => { match => { message => 'done' } } },
  { index => 'perl-jobs' }, { query => { term => { level => 'warn' } }, size => 0 } ])->{responses} }];
$report{cat} = $es->cat->indices(index => 'perl-jobs', h => 'index,docs.count');
$report{deleted} = $es->delete_by_query(index => 'perl-jobs', refresh => 'true', body => { query => { term => { level => 'error' } } })->{deleted};

for my $call ([missing => sub { $es->search(index => 'nothing-here') }], [bad_query => sub { $es->search(index => 'perl-jobs', body => { query => { nope => {} } }) }]) {
  my ($name, $code) = @$call;
  eval { $code->(); 1 } and do { $report{$name} = 'answered'; next };
  my $error = $@;
  $report{$name} = [ref $error, $error->{vars}{body}{error}{type}];
}

# The same bulk through each of the client's other transports, each into an index of its own.
my %transports = (lwp => [cxn => 'LWP'], gzip => [gzip => 1], deflate => [deflate => 1], lwp_deflate => [cxn => 'LWP', deflate => 1], sniff => [cxn_pool => 'Sniff']);
for my $name (sort keys %transports) {
  my $client = Search::Elasticsearch->new(nodes => [$url], client => '8_0::Direct', @{ $transports{$name} });
  my $indexer = $client->bulk_helper(index => "perl-$name", on_error => sub { die "bulk item failed: " . encode_json(\@_) });
  $indexer->index({ source => { message => "line $_ " . ('of a long enough record ' x 20) } }) for 1 .. 30;
  $indexer->flush;
  $client->indices->refresh(index => "perl-$name");
  $report{transports}{$name} = [$client->count(index => "perl-$name")->{count}, $client->search(index => "perl-$name", body => { query => { match => { message => 'line' } }, size => 0 })->{hits}{total}{value}];
}

print encode_json(\%report), "\n";
