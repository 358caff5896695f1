#!/usr/bin/env bash
# Deploys Slipway to Kubernetes with kubectl (current context = the environment's cluster):
#
#   deploy/kubernetes/deploy.sh render   ENVIRONMENT IMAGE@sha256:…   print the release's manifests
#   deploy/kubernetes/deploy.sh deploy   ENVIRONMENT IMAGE@sha256:…   migrate, then roll out
#   deploy/kubernetes/deploy.sh rollback ENVIRONMENT                  `kubectl rollout undo` (failed smoke check)
#
# deploy: renders overlays/ENVIRONMENT once with the image pinned by digest, then applies it in three steps
# selected by the app.kubernetes.io/component label — the config; the migration Job (the previous one is
# deleted first: Jobs are immutable), waited on until it completes (it stops the deploy when it fails,
# before the Deployment changes); then everything else — and waits for `kubectl rollout status`.
# The Secret `slipway-secrets` (DATABASE_URL, REDIS_URL, API_KEY_PEPPER) is written from the environment
# variables of the same names when they are set; it is never printed.
# Exit codes: 0 done · 2 usage · 3 migration failed (Deployment unchanged) · 4 rollout failed · 5 timeout.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
component=app.kubernetes.io/component
scratch="$(mktemp -d)"
release="$(mktemp -d "$here/.release-XXXXXX")"
trap 'rm -rf "$scratch" "$release"' EXIT

usage() {
  echo "usage: $0 render|deploy ENVIRONMENT IMAGE@sha256:DIGEST | rollback ENVIRONMENT" >&2
  exit 2
}

log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# Prints the overlay's manifests with the image pinned: a release kustomization on top of the overlay
# (kustomize refuses absolute paths, so it lives next to the overlays, in a directory of its own).
render() {
  local environment="$1" image="$2"
  [[ "$image" =~ ^([^@]+)@(sha256:[0-9a-f]{64})$ ]] || {
    echo "image must be pinned by digest: NAME@sha256:<64 hex>" >&2
    exit 2
  }
  cat >"$release/kustomization.yaml" <<YAML
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../overlays/$environment
images:
  - name: slipway
    newName: ${BASH_REMATCH[1]}
    digest: ${BASH_REMATCH[2]}
YAML
  kubectl kustomize "$release"
}

namespace_of() { printf 'slipway-%s' "$1"; }

write_secret() {
  local namespace="$1"
  [[ -n "${DATABASE_URL:-}" && -n "${REDIS_URL:-}" && -n "${API_KEY_PEPPER:-}" ]] || {
    log "secret: DATABASE_URL, REDIS_URL or API_KEY_PEPPER not set; keeping slipway-secrets as it is"
    return
  }
  kubectl create secret generic slipway-secrets --namespace "$namespace" --dry-run=client -o yaml \
    --from-literal="DATABASE_URL=$DATABASE_URL" --from-literal="REDIS_URL=$REDIS_URL" \
    --from-literal="API_KEY_PEPPER=$API_KEY_PEPPER" | kubectl apply -f - >/dev/null
  log "secret: slipway-secrets written"
}

# Waits for the migration Job: complete -> return; failed -> exit 3 (the Deployment was not touched).
wait_for_migration() {
  local namespace="$1" deadline=$((SECONDS + ${MIGRATE_TIMEOUT:-900})) status
  while ((SECONDS < deadline)); do
    status="$(kubectl get job slipway-migrate --namespace "$namespace" \
      -o jsonpath='{.status.succeeded}/{.status.failed}')"
    case "$status" in
      1/*) log "migrate: complete" && return ;;
      */[1-9]*)
        kubectl logs --namespace "$namespace" job/slipway-migrate --tail=50 >&2 || true
        log "migrate: failed; the Deployment was not changed"
        exit 3
        ;;
    esac
    sleep 2
  done
  log "migrate: not finished after ${MIGRATE_TIMEOUT:-900} s"
  exit 5
}

deploy() {
  local environment="$1" image="$2" namespace manifests="$scratch/manifests.yaml"
  namespace="$(namespace_of "$environment")"
  render "$environment" "$image" >"$manifests"
  write_secret "$namespace"
  kubectl apply -f "$manifests" -l "$component=config"
  kubectl delete job slipway-migrate --namespace "$namespace" --ignore-not-found --wait=true
  log "migrate: job slipway-migrate with $image"
  kubectl apply -f "$manifests" -l "$component=migration"
  wait_for_migration "$namespace"
  kubectl apply -f "$manifests" -l "$component!=migration"
  kubectl rollout status deployment/slipway --namespace "$namespace" --timeout="${ROLLOUT_TIMEOUT:-600}s" || {
    log "rollout: failed or timed out"
    exit 4
  }
}

rollback() {
  local namespace
  namespace="$(namespace_of "$1")"
  kubectl rollout undo deployment/slipway --namespace "$namespace"
  kubectl rollout status deployment/slipway --namespace "$namespace" --timeout="${ROLLOUT_TIMEOUT:-600}s"
}

[[ $# -ge 2 ]] || usage
[[ -d "$here/overlays/$2" && "$2" =~ ^[a-z0-9-]+$ ]] || usage
case "$1" in
  render) [[ $# -eq 3 ]] || usage && render "$2" "$3" ;;
  deploy) [[ $# -eq 3 ]] || usage && deploy "$2" "$3" ;;
  rollback) [[ $# -eq 2 ]] || usage && rollback "$2" ;;
  *) usage ;;
esac
