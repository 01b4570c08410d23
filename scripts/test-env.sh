#!/usr/bin/env bash
# Installs what the test servers need on a fresh Debian 12 machine (run as root), and builds Gitea,
# then etcd + kube-apiserver, then Flux's controllers, then FerretDB (one Go build at a time: 2 cores gain nothing from running them together), then moto server (pip). Idempotent:
# it runs apt-get only when something is missing, and starts no services (the tests start their own).
set -euo pipefail

missing=()
command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || missing+=(redis-server)
# redis-cli forms the test cluster (Debian ships it with redis-server, as redis-tools).
[ -x /usr/bin/redis-cli ] || missing+=(redis-tools)
# nats-server with JetStream for the nats-jetstream trigger (one node and a three-node cluster).
[ -x /usr/sbin/nats-server ] || missing+=(nats-server)
# RabbitMQ with its management plugin for the rabbitmq trigger (the tests start a private node).
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || missing+=(rabbitmq-server)
[ -x /usr/lib/git-core/git-http-backend ] || missing+=(git)
# Prometheus (Debian package prometheus): promtool judges the /metrics text in the tests, and the
# server itself backs the prometheus trigger tests.
{ command -v promtool && command -v prometheus; } >/dev/null 2>&1 || missing+=(prometheus)
if ! compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
  missing+=(postgresql)
fi
# MariaDB for the mysql scaler's tests (the tests start a private mariadbd of their own, with TLS
# certificates made by the openssl CLI).
[ -x /usr/sbin/mariadbd ] && [ -x /usr/bin/mariadb-install-db ] && [ -x /usr/bin/mariadb ] || missing+=(mariadb-server)
[ -x /usr/bin/openssl ] || missing+=(openssl)
# OpenSSH's sshd for the SSH transport tests (the tests start their own on a loopback port).
[ -x /usr/sbin/sshd ] && [ -x /usr/bin/ssh-keygen ] || missing+=(openssh-server)
# Java 17 and Maven: scripts/servers/build-kafka.sh copies Apache Kafka's jars from Maven Central.
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
# python3 with venv: scripts/servers/build-moto.sh pip-installs moto server into a virtualenv.
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)

# Gitea is built from the Go module proxy once per version into ~/.cache/gitscale (a few minutes cold).
build_gitea() {
  command -v go >/dev/null || { echo "test-env: go is needed to build Gitea" >&2; exit 1; }
  bash "$(dirname "$0")/servers/build-gitea.sh" >/dev/null
  echo "test-env: gitea ready"
}

# etcd + kube-apiserver, then Flux's source- and kustomize-controller, kustomize, helm and kubectl
# (the README install test), built the same way into the same cache (~8, ~9, <1, ~1 and ~1-3 min
# cold, instant when cached), one after the other.
build_kube() {
  command -v go >/dev/null || { echo "test-env: go is needed to build kube-apiserver, etcd and Flux" >&2; exit 1; }
  bash "$(dirname "$0")/servers/build-kube.sh" >/dev/null
  echo "test-env: kube-apiserver and etcd ready"
  bash "$(dirname "$0")/servers/build-flux.sh" >/dev/null
  echo "test-env: Flux source-controller and kustomize-controller ready"
  bash "$(dirname "$0")/servers/build-kustomize.sh" >/dev/null
  echo "test-env: kustomize ready"
  bash "$(dirname "$0")/servers/build-helm.sh" >/dev/null
  echo "test-env: helm ready"
  bash "$(dirname "$0")/servers/build-kubectl.sh" >/dev/null
  echo "test-env: kubectl ready"
}

# FerretDB v1 (a MongoDB wire-protocol server on an embedded SQLite backend, for the mongodb tests),
# built the same way into the same cache (~1.5-3 min cold, instant when cached).
build_ferretdb() {
  command -v go >/dev/null || { echo "test-env: go is needed to build FerretDB" >&2; exit 1; }
  bash "$(dirname "$0")/servers/build-ferretdb.sh" >/dev/null
  echo "test-env: ferretdb ready"
}

# moto server (STS, SQS and S3 for the AWS tests), pip-installed once per version into a virtualenv
# in the same cache (~40 s cold, instant when cached).
build_moto() {
  bash "$(dirname "$0")/servers/build-moto.sh" >/dev/null
  echo "test-env: moto ready"
}

# Apache Kafka (KRaft) for the kafka trigger: its jars from Maven Central into the same cache
# (~10 s cold, instant when cached).
build_kafka() {
  bash "$(dirname "$0")/servers/build-kafka.sh" >/dev/null
  echo "test-env: kafka ready"
}

if [ ${#missing[@]} -eq 0 ]; then
  echo "test-env: redis-server, postgresql, mariadb-server, prometheus, nats-server, rabbitmq-server, sshd, java and maven already installed"
  build_gitea
  build_kube
  build_ferretdb
  build_moto
  build_kafka
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "test-env: missing ${missing[*]}; run this script as root to install them" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists only if they are absent or apt cannot find a candidate.
if [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v -e '^lock$' -e '^partial$')" ] \
  || [ "$(apt-cache policy "${missing[@]}" 2>/dev/null | grep -c 'Candidate: [0-9]')" -lt ${#missing[@]} ]; then
  apt-get update
fi
# policy-rc.d keeps the packages' postinst from starting system services.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod +x "$policy"
  created_policy=1
fi
trap '[ "$created_policy" -eq 1 ] && rm -f "$policy"' EXIT
apt-get install -y --no-install-recommends "${missing[@]}"

command -v redis-server >/dev/null
compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null
id -u postgres >/dev/null
[ -x /usr/bin/mariadb-install-db ]
id -u mysql >/dev/null
echo "test-env: installed ${missing[*]}"
build_gitea
build_kube
build_ferretdb
build_moto
build_kafka
