// Produces keyed messages with Debian's sarama (the Go client that Filebeat's Kafka output is built on), configured
// as Filebeat configures it (client id "beats", acks from the leader, the hash partitioner, the codec and protocol
// version given), then consumes every partition from the oldest offset and prints what came back as JSON; a
// partition's error ends it with that error.
// Usage: sarama_client BROKER TOPIC COUNT VERSION CODEC
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/Shopify/sarama"
)

type message struct {
	Partition int32  `json:"partition"`
	Key       string `json:"key"`
	Value     string `json:"value"`
}

var codecs = map[string]sarama.CompressionCodec{"none": sarama.CompressionNone, "gzip": sarama.CompressionGZIP, "snappy": sarama.CompressionSnappy, "lz4": sarama.CompressionLZ4, "zstd": sarama.CompressionZSTD}

func fail(what string, err error) {
	fmt.Fprintln(os.Stderr, what+":", err)
	os.Exit(1)
}

func main() {
	broker, topic := os.Args[1], os.Args[2]
	count, _ := strconv.Atoi(os.Args[3])
	version, err := sarama.ParseKafkaVersion(os.Args[4])
	if err != nil {
		fail("version", err)
	}
	config := sarama.NewConfig()
	config.Version = version
	config.ClientID = "beats"
	config.Producer.Compression = codecs[os.Args[5]]
	config.Producer.RequiredAcks = sarama.WaitForLocal
	config.Producer.Return.Successes = true
	config.Producer.Partitioner = sarama.NewHashPartitioner
	config.Consumer.Return.Errors = true

	producer, err := sarama.NewSyncProducer([]string{broker}, config)
	if err != nil {
		fail("producer", err)
	}
	batch := make([]*sarama.ProducerMessage, 0, count)
	for i := 0; i < count; i++ {
		batch = append(batch, &sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder("host-" + strconv.Itoa(i%7)), Value: sarama.StringEncoder(fmt.Sprintf(`{"message":"line %d"}`, i))})
	}
	if err := producer.SendMessages(batch); err != nil {
		fail("send", err)
	}
	producer.Close()

	consumer, err := sarama.NewConsumer([]string{broker}, config)
	if err != nil {
		fail("consumer", err)
	}
	partitions, err := consumer.Partitions(topic)
	if err != nil {
		fail("partitions", err)
	}
	received := make(chan *sarama.ConsumerMessage)
	errors := make(chan *sarama.ConsumerError)
	for _, partition := range partitions {
		partitionConsumer, err := consumer.ConsumePartition(topic, partition, sarama.OffsetOldest)
		if err != nil {
			fail("consume", err)
		}
		go func(pc sarama.PartitionConsumer) {
			for m := range pc.Messages() {
				received <- m
			}
		}(partitionConsumer)
		go func(pc sarama.PartitionConsumer) {
			for e := range pc.Errors() {
				errors <- e
			}
		}(partitionConsumer)
	}
	messages := make([]message, 0, count)
	deadline := time.After(20 * time.Second)
	for len(messages) < count {
		select {
		case m := <-received:
			messages = append(messages, message{Partition: m.Partition, Key: string(m.Key), Value: string(m.Value)})
		case e := <-errors:
			fail("consume", e)
		case <-deadline:
			fail("consume", fmt.Errorf("%d of %d messages after 20 s", len(messages), count))
		}
	}
	out, _ := json.Marshal(messages)
	fmt.Println(string(out))
}
