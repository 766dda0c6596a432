#!/bin/bash
# Stand-in, written for this check, for the distribution's bin/kafka-topics.sh: runs org.apache.kafka.tools.TopicCommand.
exec "$(dirname "$0")/kafka-run-class.sh" org.apache.kafka.tools.TopicCommand "$@"
