#!/bin/bash
# Stand-in, written for this check, for the distribution's bin/kafka-acls.sh: runs org.apache.kafka.tools.AclCommand.
exec "$(dirname "$0")/kafka-run-class.sh" org.apache.kafka.tools.AclCommand "$@"
