// Debian's segmentio/kafka-go 0.2.1: a Go client with its own protocol code, old enough to speak only the legacy
// message format (Produce v2, Fetch v2), which a Kafka 3 broker converts both ways. Produces keyed messages by the
// FNV-1a hash balancer with the codec given, then reads them back as the one member of a consumer group (JoinGroup,
// SyncGroup, Heartbeat, OffsetFetch v1, OffsetCommit v2), committing each, and prints what it read as JSON.
// Usage: kafka_go_client BROKER TOPIC COUNT CODEC
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"time"

	kafka "github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/gzip"
	"github.com/segmentio/kafka-go/lz4"
	"github.com/segmentio/kafka-go/snappy"
)

type message struct {
	Partition int    `json:"partition"`
	Offset    int64  `json:"offset"`
	Key       string `json:"key"`
	Value     string `json:"value"`
}

func fail(what string, err error) {
	fmt.Fprintln(os.Stderr, what+":", err)
	os.Exit(1)
}

var codecs = map[string]func() kafka.CompressionCodec{
	"gzip":   func() kafka.CompressionCodec { return gzip.NewCompressionCodec() },
	"snappy": func() kafka.CompressionCodec { return snappy.NewCompressionCodec() },
	"lz4":    func() kafka.CompressionCodec { return lz4.NewCompressionCodec() },
}

func main() {
	broker, topic := os.Args[1], os.Args[2]
	count, _ := strconv.Atoi(os.Args[3])
	var codec kafka.CompressionCodec
	if make, ok := codecs[os.Args[4]]; ok {
		codec = make()
	}
	writer := kafka.NewWriter(kafka.WriterConfig{Brokers: []string{broker}, Topic: topic, Balancer: &kafka.Hash{}, CompressionCodec: codec, BatchSize: 50, BatchTimeout: 10 * time.Millisecond})
	batch := make([]kafka.Message, 0, count)
	for i := 0; i < count; i++ {
		batch = append(batch, kafka.Message{Key: []byte("host-" + strconv.Itoa(i%7)), Value: []byte(fmt.Sprintf(`{"message":"line %d"}`, i))})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := writer.WriteMessages(ctx, batch...); err != nil {
		fail("write", err)
	}
	writer.Close()

	group := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{broker}, GroupID: "kafka-go-" + topic, Topic: topic, MinBytes: 1, MaxBytes: 1 << 20, MaxWait: 200 * time.Millisecond})
	messages := make([]message, 0, count)
	for len(messages) < count {
		m, err := group.FetchMessage(ctx)
		if err != nil {
			fail(fmt.Sprintf("fetch after %d of %d", len(messages), count), err)
		}
		messages = append(messages, message{Partition: m.Partition, Offset: m.Offset, Key: string(m.Key), Value: string(m.Value)})
		if err := group.CommitMessages(ctx, m); err != nil {
			fail("commit", err)
		}
	}
	group.Close()
	out, _ := json.Marshal(messages)
	fmt.Println(string(out))
}
