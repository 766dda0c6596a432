#!/bin/bash
# Stand-in, written for this check, for the distribution's bin/kafka-console-producer.sh: runs org.apache.kafka.tools.ConsoleProducer.
export KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xmx512M}
exec "$(dirname "$0")/kafka-run-class.sh" org.apache.kafka.tools.ConsoleProducer "$@"
