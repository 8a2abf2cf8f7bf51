"""kafka-python (Debian's python3-kafka) told it talks to a 0.10.1 broker, so that it speaks the legacy message format:
Produce v2 with magic 1 message sets and Fetch v3, which the emulator converts both ways, as Kafka 3 does.

Usage: kafka_python_legacy.py BOOTSTRAP TOPIC CODEC; prints what it read back as JSON.
"""
import json
import sys

from kafka import KafkaConsumer, KafkaProducer

bootstrap, topic, codec = sys.argv[1], sys.argv[2], sys.argv[3]
version = (0, 10, 1)
producer = KafkaProducer(bootstrap_servers=bootstrap, api_version=version, compression_type=None if codec == "none" else codec, linger_ms=20)
for i in range(60):
    producer.send(topic, key=b"k%d" % (i % 4), value=b'{"line":%d}' % i)
producer.flush()
producer.close()

consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, api_version=version, group_id="legacy-" + topic, auto_offset_reset="earliest",
                         enable_auto_commit=False, consumer_timeout_ms=3000)
read = [[m.partition, m.offset, m.key.decode(), m.value.decode(), m.timestamp] for m in consumer]
consumer.commit()
consumer.close()
print(json.dumps(read))
