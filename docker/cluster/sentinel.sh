#!/bin/sh
# A sentinel of the docker-compose "cluster" profile (docs/cluster.md): Sentinel rewrites its
# own config file, so each container writes a fresh one at start.
set -eu
cat >/tmp/sentinel.conf <<CONF
port 26379
sentinel resolve-hostnames yes
sentinel announce-hostnames yes
sentinel monitor sitesync redis-primary 6379 2
sentinel down-after-milliseconds sitesync 2000
sentinel failover-timeout sitesync 6000
sentinel parallel-syncs sitesync 1
CONF
exec redis-server /tmp/sentinel.conf --sentinel
