#!/bin/sh
# Stand-in, written for this check, for the image's bin/runserver.sh (apache/rocketmq-docker
# runserver-customize.sh): runs the JVM as a child of sh, without exec, as upstream does, with the
# class path of lib/ and JAVA_OPT_EXT appended last. Upstream sizes the heap from the machine and
# adds JDK 8 GC options; the manifests override the heap and the GC log through JAVA_OPT_EXT, so the
# stand-in passes only that. Two differences, both forced by the machine's Java 17 (the image has
# JDK 8): JDK 8's GC-log rotation flags, which Java 17 refuses, are dropped (-Xloggc stays, Java 17
# maps it), and user.home is passed from HOME because the host has no passwd entry for uid 3000
# (the image's gives /home/rocketmq).
. "$(dirname "$0")/java-opts.sh"
java -server $(jdk8_filtered "${JAVA_OPT_EXT-}") -Duser.home="$HOME" -cp "$ROCKETMQ_HOME/lib/*" "$@"
