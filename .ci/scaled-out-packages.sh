#!/usr/bin/env bash
# PROGRAM=PACKAGE pairs (for install-missing.sh) of the scaled-out setup's servers: Debian's PostgreSQL 15, and
# OpenStack Swift (proxy with s3api, object, container, account servers, rings) with memcached and the swift client.
echo /usr/lib/postgresql/15/bin/initdb=postgresql \
  swift-proxy-server=swift-proxy swift-object-server=swift-object swift-container-server=swift-container \
  swift-account-server=swift-account swift-ring-builder=swift memcached=memcached swift=python3-swiftclient
