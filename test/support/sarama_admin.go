// Runs the admin operations of Debian's sarama (the Go client Filebeat's Kafka output is built on) against a broker:
// creates a topic, produces to it, reads and alters its configuration, grows it, deletes its first records, then
// reads it back from the oldest offset; prints what it observed as JSON. Any error ends it with that error.
// Usage: sarama_admin BROKER TOPIC
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/Shopify/sarama"
)

func fail(what string, err error) {
	fmt.Fprintln(os.Stderr, what+":", err)
	os.Exit(1)
}

func main() {
	broker, topic := os.Args[1], os.Args[2]
	config := sarama.NewConfig()
	config.Version = sarama.V2_0_0_0
	config.Producer.Return.Successes = true
	config.Producer.Partitioner = sarama.NewManualPartitioner
	admin, err := sarama.NewClusterAdmin([]string{broker}, config)
	if err != nil {
		fail("admin", err)
	}
	defer admin.Close()
	report := map[string]interface{}{}

	if err := admin.CreateTopic(topic, &sarama.TopicDetail{NumPartitions: 1, ReplicationFactor: 1}, false); err != nil {
		fail("create", err)
	}
	producer, err := sarama.NewSyncProducer([]string{broker}, config)
	if err != nil {
		fail("producer", err)
	}
	for i := 0; i < 10; i++ {
		if _, _, err := producer.SendMessage(&sarama.ProducerMessage{Topic: topic, Partition: 0, Value: sarama.StringEncoder(fmt.Sprintf("m%d", i))}); err != nil {
			fail("send", err)
		}
	}
	producer.Close()

	retention := "1048576"
	if err := admin.AlterConfig(sarama.TopicResource, topic, map[string]*string{"retention.bytes": &retention}, false); err != nil {
		fail("alter", err)
	}
	entries, err := admin.DescribeConfig(sarama.ConfigResource{Type: sarama.TopicResource, Name: topic, ConfigNames: []string{"retention.bytes", "cleanup.policy"}})
	if err != nil {
		fail("describe", err)
	}
	configs := map[string][]interface{}{}
	for _, entry := range entries {
		configs[entry.Name] = []interface{}{entry.Value, entry.ReadOnly}
	}
	report["configs"] = configs

	if err := admin.CreatePartitions(topic, 3, nil, false); err != nil {
		fail("partitions", err)
	}
	described, err := admin.DescribeTopics([]string{topic})
	if err != nil {
		fail("topics", err)
	}
	report["partitions"] = len(described[0].Partitions)

	if err := admin.DeleteRecords(topic, map[int32]int64{0: 4}); err != nil {
		fail("delete records", err)
	}

	consumer, err := sarama.NewConsumer([]string{broker}, config)
	if err != nil {
		fail("consumer", err)
	}
	client, err := sarama.NewClient([]string{broker}, config)
	if err != nil {
		fail("client", err)
	}
	oldest, err := client.GetOffset(topic, 0, sarama.OffsetOldest)
	if err != nil {
		fail("oldest", err)
	}
	report["oldest"] = oldest
	partition, err := consumer.ConsumePartition(topic, 0, sarama.OffsetOldest)
	if err != nil {
		fail("consume", err)
	}
	values := []string{}
	for len(values) < 6 {
		message := <-partition.Messages()
		values = append(values, string(message.Value))
	}
	report["values"] = values
	partition.Close()
	consumer.Close()
	client.Close()

	out, _ := json.Marshal(report)
	fmt.Println(string(out))
}
