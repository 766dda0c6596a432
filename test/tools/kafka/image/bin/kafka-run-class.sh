#!/bin/bash
# Stand-in, written for this check, for the distribution's bin/kafka-run-class.sh: the same
# environment contract (KAFKA_HEAP_OPTS, KAFKA_JVM_PERFORMANCE_OPTS, KAFKA_LOG4J_OPTS, KAFKA_OPTS,
# KAFKA_JMX_OPTS, LOG_DIR, JAVA_HOME) and options (-name, -loggc) the manifests rely on.
#   kafka-run-class.sh [-name NAME] [-loggc] CLASS [ARGS...]
base_dir=$(cd "$(dirname "$0")/.." && pwd)
name=""
loggc=""
while [ $# -gt 0 ]; do
  case "$1" in
    -name) name=$2; shift 2 ;;
    -loggc) loggc=1; shift ;;
    -daemon) echo "kafka-run-class.sh stand-in: -daemon is not modelled" >&2; exit 1 ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || { echo "USAGE: $0 [-name NAME] [-loggc] CLASS [ARGS...]" >&2; exit 1; }

CLASSPATH=""
for jar in "$base_dir"/libs/*.jar; do CLASSPATH="$CLASSPATH${CLASSPATH:+:}$jar"; done
LOG_DIR=${LOG_DIR:-$base_dir/logs}
if [ -z "${KAFKA_LOG4J_OPTS-}" ]; then
  # a tool: the distribution's tools configuration (warnings to stderr), no log directory
  KAFKA_LOG4J_OPTS="-Dlog4j2.configurationFile=$base_dir/config/tools-log4j2.yaml"
else
  # a server: its log directory is created (on the read-only root this fails, as in the image)
  mkdir -p "$LOG_DIR" || exit 1
fi
KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xmx256M}
if [ -z "${KAFKA_JVM_PERFORMANCE_OPTS-}" ] || [ -z "${KAFKA_JVM_PERFORMANCE_OPTS// /}" ]; then
  KAFKA_JVM_PERFORMANCE_OPTS="-server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true"
fi
GC_LOG_OPTS=""
if [ -n "$loggc" ] && [ -n "$name" ]; then
  GC_LOG_OPTS="-Xlog:gc*:file=$LOG_DIR/$name-gc.log:time,tags:filecount=10,filesize=100M"
fi
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
# shellcheck disable=SC2086 # the option variables hold several words each
exec "$JAVA" $KAFKA_HEAP_OPTS $KAFKA_JVM_PERFORMANCE_OPTS $GC_LOG_OPTS ${KAFKA_JMX_OPTS-} "-Dkafka.logs.dir=$LOG_DIR" $KAFKA_LOG4J_OPTS \
  -cp "$CLASSPATH" ${KAFKA_OPTS-} "$@"
