"""Drives the Kafka emulator with kafka-python (Debian's python3-kafka), a third, independent client.

Prints one JSON object with what it observed; the vitest suite asserts on it.
"""
import json
import sys

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic

bootstrap = sys.argv[1]
topic = "py-events"
report = {}

admin = KafkaAdminClient(bootstrap_servers=bootstrap)
admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
admin.close()

producer = KafkaProducer(bootstrap_servers=bootstrap)
sent = [producer.send(topic, key=b"k%d" % (i % 6), value=b"v%d" % i) for i in range(30)]
producer.flush()
report["api_version"] = list(producer.config["api_version"])
report["sent"] = [[m.get().partition, m.get().offset] for m in sent]
producer.close()

consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id="py-group", auto_offset_reset="earliest",
                         enable_auto_commit=False, consumer_timeout_ms=3000)
report["consumed"] = sorted(m.value.decode() for m in consumer)
consumer.commit()
report["committed"] = {str(tp.partition): consumer.committed(tp) for tp in sorted(consumer.assignment())}
report["end_offsets"] = {str(tp.partition): offset for tp, offset in consumer.end_offsets(sorted(consumer.assignment())).items()}
consumer.close()

again = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id="py-group", auto_offset_reset="earliest",
                      enable_auto_commit=False, consumer_timeout_ms=2000)
report["consumed_again"] = [m.value.decode() for m in again]
again.close()

seeker = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, consumer_timeout_ms=2000)
partition = TopicPartition(topic, 0)
seeker.assign([partition])
seeker.seek(partition, 2)
report["after_seek"] = [m.offset for m in seeker]
seeker.close()

print(json.dumps(report))
