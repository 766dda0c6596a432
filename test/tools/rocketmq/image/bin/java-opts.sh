# Part of the stand-in scripts: JVM options of the manifests that only JDK 8 accepts are dropped.
jdk8_filtered() {
  for o in $1; do
    case "$o" in
      -XX:+UseGCLogFileRotation|-XX:NumberOfGCLogFiles=*|-XX:GCLogFileSize=*) ;;
      *) printf '%s ' "$o" ;;
    esac
  done
}
