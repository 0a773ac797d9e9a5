#!/bin/sh
# modelfleet's fetch script, rendered into every team namespace (ConfigMap <team>-fetch-models,
# shared by the namespace's shards); an edit there is overwritten by the next apply.
# For each line of the shard's fetch-models.tsv (tab-separated: Triton name, config key,
# rclone source, rclone flags), copies the artifact into the Triton model repository and
# puts the shard's config.pbtxt over whatever the artifact ships. Stops at the first
# failure, so Triton never starts on a partial repository.
set -eu
set -f
models="${MODELFLEET_MODELS_DIR:-/models}"
config="${MODELFLEET_CONFIG_DIR:-/etc/modelfleet}"
list="$config/fetch-models.tsv"
IFS="$(printf '\t')"
if [ ! -r "$list" ]; then
  echo "fetch-models: $list is missing; the shard's ConfigMap must be mounted at $config" >&2
  exit 1
fi
n=0
while read -r name key source flags; do
  if [ -z "$name" ] || [ -z "$key" ] || [ -z "$source" ]; then
    echo "fetch-models: line $((n + 1)) of $list lacks a field" >&2
    exit 1
  fi
  printf 'fetch-models: %s <- %s\n' "$name" "$source"
  # $flags unquoted: one argument per tab-separated field (IFS is a tab, globbing is off).
  rclone copy $flags "$source" "$models/$name" </dev/null
  cp "$config/$key" "$models/$name/config.pbtxt"
  n=$((n + 1))
done <"$list"
echo "fetch-models: $n model(s) ready"
