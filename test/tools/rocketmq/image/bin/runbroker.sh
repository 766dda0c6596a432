#!/bin/sh
# Stand-in, written for this check, for the image's bin/runbroker.sh (apache/rocketmq-docker
# runbroker-customize.sh): the same contract as runserver.sh here (see its comment): JVM as a child
# of sh, lib/ on the class path, JAVA_OPT_EXT last.
. "$(dirname "$0")/java-opts.sh"
java -server $(jdk8_filtered "${JAVA_OPT_EXT-}") -Duser.home="$HOME" -cp "$ROCKETMQ_HOME/lib/*" "$@"
