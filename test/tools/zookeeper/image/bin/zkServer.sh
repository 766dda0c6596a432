#!/bin/bash
# Stand-in, written for this check, for the distribution's bin/zkServer.sh (with bin/zkEnv.sh),
# `start-foreground` only: the same environment contract (ZOOCFGDIR, ZOO_LOG_DIR, ZK_SERVER_HEAP,
# SERVER_JVMFLAGS, JVMFLAGS, JAVA_HOME), the configuration directory first on the class path (the
# image's logback.xml is found there), the data directory created when missing, and
# QuorumPeerMain started on $ZOOCFGDIR/zoo.cfg.
if [ "${1-}" != start-foreground ]; then
  echo "zkServer.sh stand-in: only start-foreground is modelled" >&2
  exit 1
fi
ZOOBINDIR=$(cd "$(dirname "$0")" && pwd)
ZOOKEEPER_PREFIX=$(dirname "$ZOOBINDIR")
ZOOCFGDIR=${ZOOCFGDIR:-$ZOOKEEPER_PREFIX/conf}
ZOOCFG="$ZOOCFGDIR/zoo.cfg"
[ -f "$ZOOCFG" ] || { echo "zkServer.sh stand-in: $ZOOCFG does not exist" >&2; exit 1; }
ZOO_LOG_DIR=${ZOO_LOG_DIR:-$ZOOKEEPER_PREFIX/logs}
[ -w "$ZOO_LOG_DIR" ] || mkdir -p "$ZOO_LOG_DIR" || exit 1
data_dir=$(grep '^[[:space:]]*dataDir' "$ZOOCFG" | sed -e 's/.*=//')
[ -d "$data_dir" ] || mkdir -p "$data_dir" || exit 1
CLASSPATH="$ZOOCFGDIR"
for jar in "$ZOOKEEPER_PREFIX"/lib/*.jar; do CLASSPATH="$CLASSPATH:$jar"; done
SERVER_JVMFLAGS="-Xmx${ZK_SERVER_HEAP:-1000}m ${SERVER_JVMFLAGS-}"
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
# shellcheck disable=SC2086 # the JVM flag variables hold several words each
exec "$JAVA" "-Dzookeeper.log.dir=$ZOO_LOG_DIR" "-Dzookeeper.log.file=zookeeper-${USER-}-server-${HOSTNAME-}.log" \
  -XX:+HeapDumpOnOutOfMemoryError "-XX:OnOutOfMemoryError=kill -9 %p" -cp "$CLASSPATH" $SERVER_JVMFLAGS ${JVMFLAGS-} \
  -Dcom.sun.management.jmxremote -Dcom.sun.management.jmxremote.local.only=false \
  org.apache.zookeeper.server.quorum.QuorumPeerMain "$ZOOCFG"
