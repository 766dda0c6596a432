#!/bin/bash
# Stand-in, written for this check, for the distribution's bin/kafka-configs.sh: runs kafka.admin.ConfigCommand.
exec "$(dirname "$0")/kafka-run-class.sh" kafka.admin.ConfigCommand "$@"
