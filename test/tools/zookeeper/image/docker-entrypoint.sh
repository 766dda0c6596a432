#!/bin/bash
# Stand-in, written for this check, for the zookeeper image's /docker-entrypoint.sh: it writes
# $ZOO_DATA_DIR/myid once (from ZOO_MY_ID) and execs its arguments. The image's other two steps
# are refused rather than modelled, because the manifests must never need them: the chown and
# gosu step it takes when started as root, and the zoo.cfg it generates from ZOO_* variables when
# $ZOO_CONF_DIR/zoo.cfg does not exist.
set -e
if [ "$(id -u)" = 0 ]; then
  echo "docker-entrypoint.sh stand-in: started as root (the image would chown the volumes and drop to zookeeper)" >&2
  exit 1
fi
if [ ! -f "$ZOO_CONF_DIR/zoo.cfg" ]; then
  echo "docker-entrypoint.sh stand-in: no $ZOO_CONF_DIR/zoo.cfg (the image would generate one from ZOO_* defaults)" >&2
  exit 1
fi
if [ ! -f "$ZOO_DATA_DIR/myid" ]; then
  echo "${ZOO_MY_ID:-1}" > "$ZOO_DATA_DIR/myid"
fi
exec "$@"
