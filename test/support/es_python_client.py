"""Drives the Elasticsearch emulator with Debian's official Python client (python3-elasticsearch 7.17).

Usage: es_python_client.py URL. Prints one JSON report on stdout; the test checks it.
"""
import json
import os
import sys
import warnings

from elasticsearch import Elasticsearch, helpers
from elasticsearch.exceptions import NotFoundError, RequestError

# The 7.17 client deprecates body= in favour of keyword arguments; both send the same request.
warnings.simplefilter("ignore", DeprecationWarning)

url = sys.argv[1]
es = Elasticsearch([url])
report = {}

es.indices.create(index="py-logs", body={"mappings": {"properties": {"@timestamp": {"type": "date"}, "n": {"type": "long"}, "latency": {"type": "long"}}}})
# elastalert 0.2.4's writeback mappings, as it puts them to any 7.x or later: a typed mapping, gone since 8.0, so on
# 9.x a document write to the id "_mapping" with a parameter the index API does not read, refused whole.
try:
    es.indices.put_mapping(index="py-logs", doc_type="_doc", body={"properties": {"alert_time": {"type": "date"}}}, include_type_name=True)
    report["typed_mapping"] = "accepted"
except RequestError as error:
    report["typed_mapping"] = [error.status_code, error.error, error.info["error"]["reason"]]

actions = ({"_index": "py-logs", "_id": str(i), "_source": {"@timestamp": "2026-11-%02dT%02d:00:00Z" % (1 + i % 30, i % 24), "n": i}} for i in range(1234))
report["bulk"] = helpers.bulk(es, actions, refresh=True)[0]

# helpers.scan pages with scroll and clears it at the end.
report["scanned"] = sum(1 for _ in helpers.scan(es, index="py-logs", size=100, query={"query": {"match_all": {}}}))

try:
    es.search(index="py-logs", body={"querry": {"match_all": {}}})
    report["misspelt"] = "accepted"
except RequestError as error:
    report["misspelt"] = [error.status_code, error.error]

# A point in time, paged with search_after on the implicit _shard_doc tiebreaker.
pit = es.open_point_in_time(index="py-logs", keep_alive="1m")["id"]
es.index(index="py-logs", id="late", body={"@timestamp": "2026-11-30T12:00:00Z", "n": 9999}, refresh=True)
seen, after = 0, None
while True:
    body = {"size": 500, "sort": [{"n": "asc"}], "pit": {"id": pit, "keep_alive": "1m"}}
    if after is not None:
        body["search_after"] = after
    hits = es.search(body=body)["hits"]["hits"]
    if not hits:
        break
    seen += len(hits)
    after = hits[-1]["sort"]
report["pit_seen"] = seen
report["pit_closed"] = es.close_point_in_time(body={"id": pit})
try:
    es.search(body={"pit": {"id": pit}})
    report["pit_after_close"] = "found"
except NotFoundError as error:
    report["pit_after_close"] = error.error

report["field_caps"] = es.field_caps(index="py-logs", fields="n")["fields"]

# Date-only bounds: lte takes the whole last day of the month.
report["november_30"] = es.count(index="py-logs", body={"query": {"range": {"@timestamp": {"gte": "2026-11-30", "lte": "2026-11-30"}}}})["count"]

for i, latency in enumerate([1, 51, 101, 151]):
    es.index(index="py-latency", id=str(i), body={"latency": latency})
es.indices.refresh(index="py-latency")
aggs = {"p": {"percentiles": {"field": "latency", "percents": [1, 25, 50, 99]}}}
report["percentiles"] = es.search(index="py-latency", body={"size": 0, "aggs": aggs})["aggregations"]["p"]["values"]

# An ingest pipeline, as the 7.17 client stores it and names it on a write and in a bulk's action lines.
es.ingest.put_pipeline(id="py-stamp", body={"processors": [{"set": {"field": "stamped_by", "value": "{{service}}"}}]})
report["pipeline"] = es.ingest.get_pipeline(id="py-stamp")
es.index(index="py-piped", id="one", body={"service": "api"}, pipeline="py-stamp")
helpers.bulk(es, [{"_index": "py-piped", "_id": "two", "pipeline": "py-stamp", "_source": {"service": "worker"}}], refresh=True)
report["piped"] = [es.get(index="py-piped", id=i)["_source"] for i in ("one", "two")]
try:
    es.ingest.put_pipeline(id="py-bad", body={"processors": [{"set": {"value": 1}}]})
    report["bad_pipeline"] = "accepted"
except RequestError as error:
    report["bad_pipeline"] = [error.status_code, error.error]

# _msearch as Grafana's and Kibana's data sources send it (a header with the index, a body each), _mget, and
# _delete_by_query, each through the 7.17 client's own method.
searches = [{"index": "py-latency"}, {"size": 0, "query": {"range": {"latency": {"gte": 100}}}},
            {"index": "py-missing"}, {"query": {"match_all": {}}},
            {}, {"size": 0, "query": {"term": {"service": "api"}}}]
report["msearch"] = [[r["status"], r["hits"]["total"]["value"] if "hits" in r else r["error"]["type"]] for r in es.msearch(body=searches)["responses"]]
report["mget"] = [[d["_id"], d.get("found"), d.get("_source")] for d in es.mget(index="py-piped", body={"ids": ["one", "nope"]}, _source_includes="stamped_by")["docs"]]
report["deleted"] = es.delete_by_query(index="py-latency", body={"query": {"range": {"latency": {"lt": 100}}}}, refresh=True)["deleted"]
report["left"] = es.count(index="py-latency")["count"]

# What Beats, Logstash and Kibana check before they write: the licence and the features.
report["license"] = [es.license.get()["license"][key] for key in ("type", "status")]
report["ilm_feature"] = es.xpack.info()["features"]["ilm"]

# What operators and Kibana ask beside searches: a pipeline simulated, value suggestions (terms enum), a field's
# mapping, a query validated, a flush.
report["simulated"] = [d["doc"]["_source"] for d in es.ingest.simulate(id="py-stamp", body={"docs": [{"_source": {"service": "beat"}}]})["docs"]]
report["terms"] = es.terms_enum(index="py-piped", body={"field": "service.keyword", "string": "w"})["terms"]
report["field_mapping"] = es.indices.get_field_mapping(index="py-piped", fields="service.keyword")["py-piped"]["mappings"]["service.keyword"]["mapping"]
report["valid"] = [es.indices.validate_query(index="py-piped", body={"query": q})["valid"] for q in ({"match": {"service": "api"}}, {"bogus": {}})]
report["flushed"] = es.indices.flush(index="py-piped")["_shards"]
# A reindex and an update by query, as an operator runs them after a mapping change.
report["reindexed"] = es.reindex(body={"source": {"index": "py-piped"}, "dest": {"index": "py-copy"}}, refresh=True)["created"]
report["updated_by_query"] = es.update_by_query(index="py-copy", body={"query": {"term": {"service.keyword": "api"}}}, refresh=True)["updated"]

# http_compress, as services that ship much use it: each request body gzipped, answers asked for in gzip (urllib3
# inflates them).
zipped = Elasticsearch(url, http_compress=True)
report["compressed"] = [helpers.bulk(zipped, ({"_index": "py-zipped", "message": "line %d of the record" % i} for i in range(300)), refresh=True)[0],
                        zipped.count(index="py-zipped")["count"]]
# ELASTIC_CLIENT_APIVERSIONING: the 7.17 client then asks for version 7's REST API, which Elasticsearch 9 no longer speaks.
os.environ["ELASTIC_CLIENT_APIVERSIONING"] = "1"
try:
    es.info()
    report["api_version_7"] = "answered"
except RequestError as error:
    report["api_version_7"] = [error.status_code, error.error, error.info["error"]["caused_by"]["reason"]]

print(json.dumps(report))
