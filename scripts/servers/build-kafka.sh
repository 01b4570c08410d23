#!/usr/bin/env bash
# Apache Kafka (broker and controller in one JVM, KRaft mode) from Maven Central, once per version:
# org.apache.kafka:kafka_2.13 and everything it depends on, copied by Maven into the cache outside
# the clone (GITSCALE_CACHE, default ~/.cache/gitscale/kafka-VERSION/libs), one build at a time.
# Needs Java 17 and Maven (Debian packages). Prints the libs directory (java -cp 'DIR/*' kafka.Kafka …).
set -euo pipefail
V=${KAFKA_VERSION:-4.4.0}
# The libs directory is keyed by this script's dependency list too: bump B when it changes.
B=2
CACHE=${GITSCALE_CACHE:-$HOME/.cache/gitscale}
OUT=$CACHE/kafka-$V-$B
mkdir -p "$CACHE"

exec 9>"$CACHE/kafka-$V-$B.lock"
flock 9
if [ ! -f "$OUT/libs/.complete" ]; then
  command -v mvn >/dev/null || { echo "build-kafka: maven is needed" >&2; exit 1; }
  t0=$(date +%s)
  rm -rf "$OUT"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  cat > "$work/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.gitscale</groupId>
  <artifactId>kafka-server</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$V</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>2.24.3</version></dependency>
  </dependencies>
</project>
POM
  mvn -q -B -f "$work/pom.xml" -Dmaven.repo.local="$CACHE/maven-repo" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$OUT/libs" >&2 || { rm -rf "$OUT"; exit 1; }
  touch "$OUT/libs/.complete"
  echo "build-kafka: +$(($(date +%s) - t0))s kafka $V done ($(ls "$OUT/libs" | wc -l) jars)" >&2
fi
echo "$OUT/libs"
