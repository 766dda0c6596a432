#!/bin/bash
# Stand-in, written for this check, for the distribution's bin/kafka-server-start.sh: its defaults
# (log4j2 configuration, a 1 GiB heap, EXTRA_ARGS "-name kafkaServer -loggc") and kafka.Kafka.
[ $# -ge 1 ] || { echo "USAGE: $0 server.properties [--override property=value]*" >&2; exit 1; }
base_dir=$(dirname "$0")
export KAFKA_LOG4J_OPTS=${KAFKA_LOG4J_OPTS:--Dlog4j2.configurationFile=$base_dir/../config/log4j2.yaml}
export KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xmx1G -Xms1G}
EXTRA_ARGS=${EXTRA_ARGS-'-name kafkaServer -loggc'}
# shellcheck disable=SC2086 # EXTRA_ARGS holds several words
exec "$base_dir/kafka-run-class.sh" $EXTRA_ARGS kafka.Kafka "$@"
