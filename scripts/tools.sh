#!/usr/bin/env bash
# Builds (or reuses) the renderer toolchain from Go modules: kustomize and helm, which Capstan runs, and
# dyff, the peer the diff benchmark is timed against. Each tool lands in a folder named after its version
# under $CAPSTAN_TOOLS_DIR (default ~/.cache/capstan/tools), outside the clone, so later runs and CI on the
# same machine reuse it. Progress goes to stderr; the last line on stdout is the bin folder to put on PATH.
set -euo pipefail

KUSTOMIZE_VERSION=v5.7.1
HELM_VERSION=v3.21.4
DYFF_VERSION=v1.10.2
# The Kubernetes minor that helm's templates see by default (.Capabilities.KubeVersion).
KUBE_MINOR=36

root=${CAPSTAN_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/capstan/tools}
bin="$root/bin"
mkdir -p "$bin"
export CGO_ENABLED=0 GOFLAGS=-trimpath

log() { printf '[tools] %s\n' "$*" >&2; }

# build NAME VERSION MODULE_PATH [go build flags...]: installs MODULE_PATH@VERSION as $root/NAME-VERSION/NAME
build() {
  local name=$1 version=$2 pkg=$3
  shift 3
  local dir="$root/$name-$version"
  if [ ! -x "$dir/$name" ]; then
    log "building $name $version from $pkg (cold builds take a few minutes)"
    local start=$SECONDS
    if ! GOBIN="$dir" go install "$@" "$pkg@$version" >&2; then
      log "FAILED: go install $pkg@$version"
      exit 1
    fi
    log "built $name $version in $((SECONDS - start)) s"
  fi
  ln -sfn "$dir/$name" "$bin/$name"
}

if ! command -v go >/dev/null; then
  log "Go is required to build the renderers (https://go.dev/doc/install)"
  exit 1
fi

build kustomize "$KUSTOMIZE_VERSION" sigs.k8s.io/kustomize/kustomize/v5
build helm "$HELM_VERSION" helm.sh/helm/v3/cmd/helm -ldflags "\
-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$KUBE_MINOR \
-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$KUBE_MINOR \
-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
# The image needs only the renderers (CAPSTAN_TOOLS=renderers); dyff is the diff benchmark's peer.
if [ "${CAPSTAN_TOOLS:-all}" != renderers ]; then
  build dyff "$DYFF_VERSION" github.com/homeport/dyff/cmd/dyff
fi

echo "$bin"
