#!/usr/bin/env bash
# Builds (or reuses) the binaries of a real, container-free Kubernetes control plane from Go modules:
# kube-apiserver, kube-controller-manager, kube-scheduler and kubectl, etcd, and kwok (fake kubelets),
# plus kwok's default Stage YAMLs. Like scripts/tools.sh, each lands in a folder named after its version
# under $CAPSTAN_TOOLS_DIR (default ~/.cache/capstan/tools), outside the clone, so later runs and CI on the
# same machine reuse it; links go into $CAPSTAN_TOOLS_DIR/bin. Progress goes to stderr; the last line on
# stdout is the bin folder to put on PATH.
#
# From empty Go caches a run takes about 5 minutes on this 2-core machine (downloads included); a warm run
# only checks that files exist (a few milliseconds).
set -euo pipefail

# Preference order. The first one whose binaries are cached wins; otherwise the first one whose module
# graph resolves on the proxy is built. The proxy has holes (no k8s.io/kubernetes v1.36.6; some staging
# modules are missing at some patch releases), hence the fallbacks, down to older minors.
read -ra KUBE_VERSIONS <<<"${CAPSTAN_KUBE_VERSIONS:-v1.36.5 v1.36.4 v1.35.4 v1.34.4}"
ETCD_VERSION=v3.6.16
KWOK_VERSION=v0.8.0
KUBE_CMDS=(kube-apiserver kube-controller-manager kube-scheduler kubectl)

root=${CAPSTAN_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/capstan/tools}
bin="$root/bin"
mkdir -p "$bin"
export CGO_ENABLED=0 GOFLAGS="-trimpath -buildvcs=false"

log() { printf '[cluster-build] %s\n' "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }

command -v go >/dev/null || die "Go is required to build the control plane (https://go.dev/doc/install)"

# The machine has 2 cores shared with everything else: builds run at the lowest priority, and one at a time
# even when two callers (a developer and a test run, say) start this script together.
exec 9>"$root/.cluster-build.lock"
flock 9

# Throwaway Go modules live here while they are built; always removed, the binaries are what we keep.
work=$(mktemp -d "${TMPDIR:-/tmp}/capstan-cluster-build.XXXXXX")
trap 'rm -rf "$work"' EXIT

have_all() { # have_all DIR NAME...: every NAME is an executable in DIR
  local dir=$1 n
  shift
  for n in "$@"; do [ -x "$dir/$n" ] || return 1; done
}

link() { # link DIR NAME...: points $bin/NAME at DIR/NAME
  local dir=$1 n
  shift
  for n in "$@"; do ln -sfn "$dir/$n" "$bin/$n"; done
}

# new_module DIR: an empty module of our own, so the replace directives below are the main module's
# (Go ignores a dependency's replaces, which is why `go install k8s.io/kubernetes/cmd/...@v` can't work).
new_module() {
  mkdir -p "$1"
  (cd "$1" && go mod init capstan.local/cluster-build >/dev/null 2>&1)
}

# modinfo MODULE@VERSION TEMPLATE: fetches the module into the cache, then prints TEMPLATE of
# `go list -m` for it ({{.GoMod}}: its go.mod file, {{.Dir}}: its source, {{.Time}}: its release time).
modinfo() {
  go mod download "$1" >&2 && go list -m -f "$2" "$1"
}

# ---------------------------------------------------------------------------------------------- Kubernetes

# resolve_kube VERSION DIR: writes a module in DIR that requires the four commands at VERSION, with every
# staging module (k8s.io/foo => ./staging/src/k8s.io/foo in the real go.mod) replaced by its published
# v0.MINOR.PATCH twin. Fails fast, without compiling, if the proxy lacks a piece.
resolve_kube() {
  local v=$1 dir=$2 gomod staging m
  staging="v0.${v#v1.}"
  gomod=$(modinfo "k8s.io/kubernetes@$v" '{{.GoMod}}') || return 1
  new_module "$dir"
  # Taken from the real go.mod, not typed, so a release that adds a staging module is still covered.
  local replaces=()
  for m in $(awk '$2 == "=>" && $3 ~ /^\.\/staging\// { print $1 }' "$gomod"); do
    replaces+=("-replace=$m=$m@$staging")
  done
  [ ${#replaces[@]} -gt 0 ] || { log "no staging replaces found in $gomod"; return 1; }
  local tools=()
  for m in "${KUBE_CMDS[@]}"; do tools+=("k8s.io/kubernetes/cmd/$m@$v"); done
  # Explicit && chains: callers use this in an `if`, where set -e is off.
  (cd "$dir" && go mod edit "${replaces[@]}" && go get -tool "${tools[@]}" >&2 && go mod tidy >&2)
}

build_kube() {
  local v dir
  for v in "${KUBE_VERSIONS[@]}"; do
    dir="$root/kubernetes-$v"
    if have_all "$dir" "${KUBE_CMDS[@]}"; then
      link "$dir" "${KUBE_CMDS[@]}"
      return
    fi
  done

  for v in "${KUBE_VERSIONS[@]}"; do
    dir="$root/kubernetes-$v"
    log "resolving k8s.io/kubernetes $v and its staging modules"
    if ! resolve_kube "$v" "$work/kubernetes-$v"; then
      log "k8s.io/kubernetes $v does not resolve (the proxy lacks a piece?); trying the next version"
      continue
    fi
    local minor=${v#v1.}
    minor=${minor%%.*}
    local build_date
    build_date=$(modinfo "k8s.io/kubernetes@$v" '{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}')
    # Without these the binaries call themselves v0.0.0-master, which kubectl's version skew check and
    # anything reading /version would get wrong.
    local ldflags="-s -w" pkg
    for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
      ldflags+=" -X $pkg.gitVersion=$v -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
      ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.gitCommit= -X $pkg.buildDate=$build_date"
    done
    log "building ${KUBE_CMDS[*]} $v (cold: about 3 min on 2 cores)"
    local start=$SECONDS pkgs=()
    local m
    for m in "${KUBE_CMDS[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$m"); done
    rm -rf "$dir.partial"
    mkdir -p "$dir.partial"
    # One `go build` for all four, so the packages they share compile once. Output goes to a .partial
    # folder renamed at the end, so an interrupted build never looks cached.
    if ! (cd "$work/kubernetes-$v" && nice -n 19 go build -ldflags "$ldflags" -o "$dir.partial/" "${pkgs[@]}" >&2); then
      die "go build of k8s.io/kubernetes $v (${KUBE_CMDS[*]})"
    fi
    cp "$work/kubernetes-$v/go.mod" "$work/kubernetes-$v/go.sum" "$dir.partial/" # for the record
    rm -rf "$dir"
    mv "$dir.partial" "$dir"
    log "built kubernetes $v in $((SECONDS - start)) s"
    link "$dir" "${KUBE_CMDS[@]}"
    return
  done
  die "no Kubernetes version in (${KUBE_VERSIONS[*]}) resolves on the module proxy"
}

# -------------------------------------------------------------------------------------------------- etcd

# etcd's server module replaces its sibling modules (api, client, pkg) with ../ paths, so it needs the same
# own-module treatment as Kubernetes; it gets a module of its own so the two dependency graphs stay apart.
build_etcd() {
  local v=$ETCD_VERSION dir="$root/etcd-$ETCD_VERSION" mod="go.etcd.io/etcd/server/v3"
  if ! have_all "$dir" etcd; then
    log "building etcd $v from $mod"
    local start=$SECONDS gomod m replaces=(-fmt)
    gomod=$(modinfo "$mod@$v" '{{.GoMod}}') || die "go mod download $mod@$v"
    new_module "$work/etcd"
    for m in $(awk '$2 == "=>" && $3 ~ /^\.\.\// { print $1 }' "$gomod"); do
      replaces+=("-replace=$m=$m@$v")
    done
    (cd "$work/etcd" && go mod edit "${replaces[@]}" && go get -tool "$mod@$v" >&2 && go mod tidy >&2) ||
      die "resolving $mod@$v and its dependencies"
    rm -rf "$dir.partial"
    mkdir -p "$dir.partial"
    # The root package of the server module is etcd's main.
    (cd "$work/etcd" && nice -n 19 go build -ldflags "-s -w" -o "$dir.partial/etcd" "$mod" >&2) ||
      die "go build $mod@$v"
    rm -rf "$dir"
    mv "$dir.partial" "$dir"
    log "built etcd $v in $((SECONDS - start)) s"
  fi
  link "$dir" etcd
}

# -------------------------------------------------------------------------------------------------- kwok

# kwok's go.mod has no replaces, so a plain `go install` works. kwok runs no Stage it is not given (it exits
# with "no stages found"), and its defaults ship only as YAML inside the module, so they are copied out of
# the module cache next to the binary; cluster.sh builds its stages.yaml from them.
build_kwok() {
  local v=$KWOK_VERSION dir="$root/kwok-$KWOK_VERSION" mod=sigs.k8s.io/kwok
  if ! have_all "$dir" kwok || [ ! -d "$dir/stage" ]; then
    log "building kwok $v from $mod/cmd/kwok"
    local start=$SECONDS src
    rm -rf "$dir.partial"
    mkdir -p "$dir.partial"
    GOBIN="$dir.partial" nice -n 19 go install -ldflags "-s -w" "$mod/cmd/kwok@$v" >&2 ||
      die "go install $mod/cmd/kwok@$v"
    src=$(modinfo "$mod@$v" '{{.Dir}}') || die "go mod download $mod@$v"
    cp -r "$src/kustomize/stage" "$dir.partial/stage"
    chmod -R u+w "$dir.partial/stage" # the module cache is read-only
    rm -rf "$dir"
    mv "$dir.partial" "$dir"
    log "built kwok $v in $((SECONDS - start)) s"
  fi
  link "$dir" kwok
  ln -sfn "$dir/stage" "$bin/kwok-stage"
}

build_etcd
build_kwok
build_kube

echo "$bin"
