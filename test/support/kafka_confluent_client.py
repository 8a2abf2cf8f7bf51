"""Drives the Kafka emulator with confluent-kafka (Debian's python3-confluent-kafka, librdkafka inside).

Usage: kafka_confluent_client.py BOOTSTRAP MODE [ARGS]. Prints one JSON object with what it observed;
the vitest suite asserts on it.
  idempotent TOPIC N       enable.idempotence=true producer, N messages, then reads them back
  timestamps TOPIC CODEC   10 messages 1 s apart in one batch compressed with CODEC, then offsets_for_times
  create-topic TOPIC N     AdminClient.create_topics with N partitions; reports the error's name, or null
  records TOPIC CODEC      records of every shape (keys and values null, empty or not; headers none, repeated, null;
                           timestamps before, after and far after the batch's first) in one batch compressed with
                           CODEC, then each as confluent-kafka reads it back
  transactions TOPIC       a transactional producer (transactional.id): a committed, an aborted and a committed
                           transaction; then what read_committed and read_uncommitted consumers read, a
                           consume-transform-produce loop with send_offsets_to_transaction, and a second
                           producer with the same transactional.id fencing the first
  static GROUP TOPIC ID S  a consumer with group.instance.id=ID: joins, reports its assignment and how long
                           the join took, consumes for S seconds, closes (a static member sends no LeaveGroup)
"""
import json
import sys
import time

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

bootstrap, mode = sys.argv[1], sys.argv[2]
report = {}


def consume_all(topic, expected, group, isolation="read_committed"):
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
                         "enable.auto.commit": False, "isolation.level": isolation})
    consumer.subscribe([topic])
    values, deadline = [], time.time() + 20
    while len(values) < expected and time.time() < deadline:
        message = consumer.poll(0.5)
        if message is not None and message.error() is None:
            values.append(message.value().decode())
    consumer.close()
    return values


if mode == "idempotent":
    topic, count = sys.argv[3], int(sys.argv[4])
    errors = []
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "linger.ms": 5,
                         "error_cb": lambda error: errors.append(str(error))})
    delivered = []
    for i in range(count):
        producer.produce(topic, value=b"m%d" % i, key=b"k%d" % (i % 3),
                         on_delivery=lambda error, message: delivered.append(None if error else message.offset()))
        producer.poll(0)
    producer.flush(20)
    report["errors"] = errors
    report["delivered"] = len([offset for offset in delivered if offset is not None])
    report["consumed"] = sorted(consume_all(topic, count, "idem-check"))

elif mode == "timestamps":
    topic, codec = sys.argv[3], sys.argv[4]
    base = 1_800_000_000_000
    producer = Producer({"bootstrap.servers": bootstrap, "compression.type": codec, "linger.ms": 500,
                         "batch.num.messages": 100})
    # With the leader known before the first message, the ten go out as one batch.
    producer.list_topics(topic, timeout=10)
    for i in range(10):
        producer.produce(topic, value=b"t%d" % i, partition=0, timestamp=base + i * 1000)
    producer.flush(20)
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "ts-" + codec})
    found = consumer.offsets_for_times([TopicPartition(topic, 0, base + 6500)], timeout=10)
    report["offset"] = found[0].offset
    report["error"] = None if found[0].error is None else str(found[0].error)
    consumer.close()

elif mode == "records":
    topic, codec = sys.argv[3], sys.argv[4]
    base = 1_800_000_000_000
    shapes = [
        {"key": b"k0", "value": b"plain", "timestamp": base},
        {"key": None, "value": "caf\u00e9 \u2603".encode(), "timestamp": base + 5},
        {"key": b"", "value": b"", "timestamp": base - 3_000_000},
        {"key": b"k3", "value": None, "timestamp": 0},
        {"key": b"k4", "value": b"one header", "headers": [("trace", b"abc")], "timestamp": base + 1},
        {"key": b"k5", "value": b"repeated", "headers": [("a", b"1"), ("b", b"x"), ("a", b"2"), ("a", b"3")],
         "timestamp": base + 2},
        {"key": b"k6", "value": b"null header", "headers": [("empty", None), ("toString", b"t")], "timestamp": base},
        # A delta of 2**48 ms takes more than seven bytes as a zig-zag varlong.
        {"key": b"k7", "value": b"far", "timestamp": base + 2**48},
    ]
    producer = Producer({"bootstrap.servers": bootstrap, "compression.type": codec, "linger.ms": 500})
    producer.list_topics(topic, timeout=10)
    for shape in shapes:
        producer.produce(topic, partition=0, **shape)
    producer.flush(20)
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "records-" + codec,
                         "auto.offset.reset": "earliest", "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, 0, 0)])
    hexed = lambda data: None if data is None else data.hex()
    read, deadline = [], time.time() + 20
    while len(read) < len(shapes) and time.time() < deadline:
        message = consumer.poll(0.5)
        if message is None or message.error() is not None:
            continue
        read.append({"offset": message.offset(), "timestamp": message.timestamp()[1],
                     "key": hexed(message.key()), "value": hexed(message.value()),
                     "headers": [[name, hexed(value)] for name, value in (message.headers() or [])]})
    consumer.close()
    report["records"] = read

elif mode == "create-topic":
    topic, partitions = sys.argv[3], int(sys.argv[4])
    admin = AdminClient({"bootstrap.servers": bootstrap})
    future = admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)])[topic]
    try:
        future.result(20)
        report["error"] = None
    except Exception as error:  # a KafkaException carrying the broker's KafkaError
        kafka_error = error.args[0] if error.args else None
        report["error"] = kafka_error.name() if isinstance(kafka_error, KafkaError) else str(error)

elif mode == "static":
    group, topic, instance, seconds = sys.argv[3], sys.argv[4], sys.argv[5], float(sys.argv[6])
    events = []
    started = time.time()
    assigned = {}

    def on_assign(consumer, partitions):
        assigned["partitions"] = sorted(p.partition for p in partitions)
        assigned["after_s"] = round(time.time() - started, 2)

    errors = []
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "group.instance.id": instance,
                         "session.timeout.ms": 30000, "auto.offset.reset": "earliest",
                         "error_cb": lambda error: errors.append(str(error))})
    consumer.subscribe([topic], on_assign=on_assign)
    fatal = None
    while time.time() - started < seconds:
        message = consumer.poll(0.2)
        if message is not None and message.error() is not None:
            if message.error().code() == KafkaError._FATAL or message.error().fatal():
                fatal = str(message.error())
                break
    report["assigned"] = assigned
    report["errors"] = errors
    report["fatal"] = fatal
    consumer.close()

elif mode == "transactions":
    topic = sys.argv[3]
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for name in (topic, topic + "-out"):
        admin.create_topics([NewTopic(name, num_partitions=2, replication_factor=1)])[name].result(20)
    producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": topic + "-producer", "linger.ms": 5})
    producer.init_transactions(20)
    for values, commit in ((["kept-1", "kept-2", "kept-3"], True), (["dropped-1", "dropped-2"], False), (["kept-4"], True)):
        producer.begin_transaction()
        for i, value in enumerate(values):
            producer.produce(topic, value=value.encode(), partition=i % 2)
        if commit:
            producer.commit_transaction(20)
        else:
            # Delivered first: librdkafka drops messages still queued when a transaction aborts.
            producer.flush(20)
            producer.abort_transaction(20)
    report["read_committed"] = sorted(consume_all(topic, 4, topic + "-committed"))
    report["read_uncommitted"] = sorted(consume_all(topic, 6, topic + "-uncommitted", "read_uncommitted"))

    # Consume, transform, produce: the output and the input's offsets commit together.
    group = topic + "-ctp"
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
                         "enable.auto.commit": False, "isolation.level": "read_committed"})
    consumer.subscribe([topic])
    read, deadline = [], time.time() + 20
    while len(read) < 4 and time.time() < deadline:
        message = consumer.poll(0.5)
        if message is not None and message.error() is None:
            read.append(message)
    producer.begin_transaction()
    for message in read:
        producer.produce(topic + "-out", value=message.value().upper())
    producer.send_offsets_to_transaction(consumer.position(consumer.assignment()),
                                         consumer.consumer_group_metadata(), 20)
    producer.commit_transaction(20)
    committed = consumer.committed([TopicPartition(topic, 0), TopicPartition(topic, 1)], timeout=10)
    report["ctp_committed"] = {str(tp.partition): tp.offset for tp in committed}
    consumer.close()
    report["ctp_output"] = sorted(consume_all(topic + "-out", 4, topic + "-out-check"))

    # A second instance with the same transactional.id fences the first, whose open transaction is aborted.
    producer.begin_transaction()
    producer.produce(topic, value=b"zombie", partition=0)
    producer.flush(20)
    successor = Producer({"bootstrap.servers": bootstrap, "transactional.id": topic + "-producer"})
    successor.init_transactions(20)
    try:
        producer.commit_transaction(20)
        report["fenced"] = None
    except KafkaException as error:
        report["fenced"] = {"name": error.args[0].name(), "fatal": error.args[0].fatal()}
    successor.begin_transaction()
    successor.produce(topic, value=b"successor", partition=1)
    successor.commit_transaction(20)
    report["after_fencing"] = sorted(consume_all(topic, 5, topic + "-after"))

print(json.dumps(report))
