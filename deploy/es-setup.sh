#!/usr/bin/env bash
# The setup job of docker-compose.elk.yml, after Elastic's own compose example: a CA and a certificate for
# Elasticsearch, the kibana_system password, and Sluice's role and user (only what Sluice needs).
set -euo pipefail
cd /usr/share/elasticsearch
for name in ELASTIC_PASSWORD KIBANA_PASSWORD SLUICE_ES_PASSWORD; do
  if [ -z "${!name:-}" ]; then echo "set $name in the .env file"; exit 1; fi
done
if [ ! -f config/certs/ca.zip ]; then
  bin/elasticsearch-certutil ca --silent --pem -out config/certs/ca.zip
  unzip -o config/certs/ca.zip -d config/certs
fi
if [ ! -f config/certs/certs.zip ]; then
  printf 'instances:\n  - name: elasticsearch\n    dns: [elasticsearch, localhost]\n    ip: [127.0.0.1]\n' > config/certs/instances.yml
  bin/elasticsearch-certutil cert --silent --pem -out config/certs/certs.zip --in config/certs/instances.yml \
    --ca-cert config/certs/ca/ca.crt --ca-key config/certs/ca/ca.key
  unzip -o config/certs/certs.zip -d config/certs
fi
chown -R root:root config/certs
find config/certs -type d -exec chmod 755 {} \;
find config/certs -type f -exec chmod 644 {} \;

es() { curl -s --cacert config/certs/ca/ca.crt -u "elastic:${ELASTIC_PASSWORD}" -H 'Content-Type: application/json' "$@"; }
until es https://elasticsearch:9200 | grep -q 'cluster_name'; do sleep 5; done
until es -X POST https://elasticsearch:9200/_security/user/kibana_system/_password -d "{\"password\":\"${KIBANA_PASSWORD}\"}" | grep -q '^{}'; do sleep 5; done
es -X PUT https://elasticsearch:9200/_security/role/sluice -d '{
  "cluster": ["monitor", "manage_ilm", "manage_index_templates", "manage_ingest_pipelines"],
  "indices": [{ "names": ["logs-*", "sluice-*", ".ds-logs-*"], "privileges": ["create_doc", "create_index", "index", "read", "view_index_metadata", "manage", "manage_ilm"] }]
}'
es -X PUT https://elasticsearch:9200/_security/user/sluice -d "{\"password\":\"${SLUICE_ES_PASSWORD}\",\"roles\":[\"sluice\"]}"
echo "setup done"
