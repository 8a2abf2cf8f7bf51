"""The admin operations operators run against a broker, through kafka-python and confluent-kafka (librdkafka).

Usage: kafka_admin_clients.py BOOTSTRAP. Each client creates a topic, reads the topic's and the broker's
configuration, changes the topic's and grows the topic; kafka-python also deletes consumer groups: one it left, one that never was,
one still in use (confluent-kafka 1.7 has no call for that). Prints one JSON object with what each observed; the vitest suite asserts on it.
"""
import json
import sys
import time

from confluent_kafka.admin import AdminClient, ConfigResource as ConfluentResource, NewPartitions as ConfluentPartitions, NewTopic as ConfluentTopic
from kafka import KafkaConsumer, KafkaProducer
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient, NewPartitions, NewTopic

bootstrap = sys.argv[1]
report = {}


def kafka_python():
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic("kp-admin", 2, 1, topic_configs={"retention.bytes": "1048576"})])
    producer = KafkaProducer(bootstrap_servers=bootstrap)
    for i in range(6):
        producer.send("kp-admin", b"v%d" % i, partition=i % 2)
    producer.flush()
    producer.close()
    consumer = KafkaConsumer("kp-admin", bootstrap_servers=bootstrap, group_id="kp-left", auto_offset_reset="earliest",
                             enable_auto_commit=False, consumer_timeout_ms=2000)
    list(consumer)
    consumer.commit()
    consumer.close()
    topic = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, "kp-admin")])[0].resources[0]
    broker = admin.describe_configs([ConfigResource(ConfigResourceType.BROKER, "1")])[0].resources[0]
    # (error_code, error_message, resource_type, resource_name, [(name, value, read_only, is_default|source, sensitive, ...)])
    result = {
        "topic_error": topic[0],
        "topic": {entry[0]: entry[1] for entry in topic[4]},
        "broker": {entry[0]: entry[1] for entry in broker[4]},
    }
    altered = admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, "kp-admin", configs={"retention.bytes": "2097152"})])
    result["altered"] = [entry[0] for entry in altered.resources]
    refused = admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, "kp-admin", configs={"cleanup.policy": "compact"})])
    result["refused"] = [entry[0] for entry in refused.resources]
    after = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, "kp-admin")])[0].resources[0]
    result["after"] = {entry[0]: [entry[1], entry[2]] for entry in after[4] if entry[0] in ("retention.bytes", "cleanup.policy")}
    grown = admin.create_partitions({"kp-admin": NewPartitions(4)})
    result["grown"] = [error for _, error, _ in grown.topic_errors]
    try:
        admin.create_partitions({"kp-admin": NewPartitions(3)})
        result["shrunk"] = None
    except Exception as error:  # kafka-python raises the broker's error
        result["shrunk"] = [type(error).__name__, str(error).split("error_message='")[-1].rstrip("')])'.")]
    result["partitions"] = len(admin.describe_topics(["kp-admin"])[0]["partitions"])
    result["offsets_before"] = len(admin.list_consumer_group_offsets("kp-left"))
    busy = KafkaConsumer("kp-admin", bootstrap_servers=bootstrap, group_id="kp-busy", auto_offset_reset="earliest")
    deadline = time.time() + 20
    while not busy.assignment() and time.time() < deadline:
        busy.poll(200)
    deleted = admin.delete_consumer_groups(["kp-left", "kp-never", "kp-busy"])
    result["deleted"] = [[group, error.__name__] for group, error in deleted]
    busy.close()
    result["offsets_after"] = len(admin.list_consumer_group_offsets("kp-left"))
    admin.close()
    return result


def confluent():
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.create_topics([ConfluentTopic("ck-admin", 2, 1)]).values():
        future.result()
    result = {}
    resource = ConfluentResource("TOPIC", "ck-admin")
    configs = admin.describe_configs([resource])[resource].result()
    result["topic"] = {name: [entry.value, entry.source, entry.is_read_only] for name, entry in configs.items()}
    broker = ConfluentResource("BROKER", "1")
    result["broker"] = {name: entry.value for name, entry in admin.describe_configs([broker])[broker].result().items()}
    for future in admin.alter_configs([ConfluentResource("TOPIC", "ck-admin", set_config={"max.message.bytes": "2000000"})]).values():
        future.result()
    altered = admin.describe_configs([resource])[resource].result()
    result["altered"] = [altered["max.message.bytes"].value, altered["max.message.bytes"].source, altered["max.message.bytes"].is_read_only]
    for future in admin.create_partitions([ConfluentPartitions("ck-admin", 3)]).values():
        future.result()
    result["partitions"] = len(admin.list_topics(timeout=10).topics["ck-admin"].partitions)
    return result


report["kafka_python"] = kafka_python()
report["confluent"] = confluent()
print(json.dumps(report))
