#!/bin/sh
# Stand-in, written for this check, for the distribution's bin/tools.sh: JAVA_OPT first (the
# manifests put -D options there), then the tools' own heap, lib/ on the class path. Upstream's heap
# is 1 GiB; 256 MiB here keeps several JVMs within the machine, and mqadmin needs far less.
exec java ${JAVA_OPT-} -server -Xms256m -Xmx256m -Duser.home="$HOME" -cp "$ROCKETMQ_HOME/lib/*" "$@"
