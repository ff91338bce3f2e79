#!/usr/bin/env bash
# Regenerates src/policy/openapi/kubernetes-1.MM.json.gz, the schemas Capstan validates manifests with,
# from the OpenAPI v3 documents that ship in the k8s.io/kubernetes module (api/openapi-spec/v3) of each
# release, fetched through the Go module proxy. Each bundle merges every group-version's component schemas
# and drops what validation does not read (descriptions, defaults, patch strategies), which takes 12 MB of
# OpenAPI down to about 25 KB gzipped. The bundles are committed, so Capstan needs neither Go nor the
# network at run time; run this when adding a Kubernetes version.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSIONS=(v1.34.4 v1.35.4 v1.36.5)

for version in "${VERSIONS[@]}"; do
  printf '[openapi] k8s.io/kubernetes %s\n' "$version" >&2
  dir=$(go mod download -json "k8s.io/kubernetes@$version" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);if(j.Error){console.error(j.Error);process.exit(1)}console.log(j.Dir)})')
  minor=${version#v}
  minor=${minor%.*}
  node scripts/openapi-bundle.mjs "$dir/api/openapi-spec/v3" "$version" "src/policy/openapi/kubernetes-$minor.json.gz"
done
