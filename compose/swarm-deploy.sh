#!/usr/bin/env bash
# Deploys Slipway to a Docker Swarm: migrations first, then a rolling update that Swarm rolls back by itself
# when the new tasks do not become healthy. Runs wherever the docker CLI reaches a manager: locally, or from
# GitHub Actions with DOCKER_HOST=ssh://deploy@manager (the pinned host key in ~/.ssh/known_hosts).
#
#   compose/swarm-deploy.sh deploy STACK      migrate with $SLIPWAY_IMAGE, then update the stack
#   compose/swarm-deploy.sh rollback STACK    put the API back on its previous spec (after a failed smoke check)
#
# Environment: SLIPWAY_IMAGE (by digest), CHROMA_URL, and the secrets DATABASE_URL, REDIS_URL,
# API_KEY_PEPPER (stored as Docker secrets named by a hash of their value; never printed). Optional:
# STACK_FILE, RESOLVE_IMAGE (always|never; never for images that exist only on the node), MIGRATE_TIMEOUT
# and CONVERGE_TIMEOUT (seconds), and the stack file's own ${…} settings.
# Exit codes: 0 deployed · 2 usage · 3 migration failed (nothing updated) · 4 update failed, Swarm rolled
# back · 5 timed out.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
stack_file="${STACK_FILE:-$here/swarm-stack.yml}"

usage() {
  echo "usage: $0 deploy|rollback STACK" >&2
  exit 2
}

log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*"; }

short_hash() { sha256sum | cut -c1-12; }

# Creates the secret NAME_<hash of value> unless it exists, and prints its name.
ensure_secret() {
  local stack="$1" key="$2" value="$3"
  local name
  name="${stack}_${key}_$(printf '%s' "$value" | short_hash)"
  if ! docker secret inspect "$name" >/dev/null 2>&1; then
    printf '%s' "$value" | docker secret create --label "com.docker.stack.namespace=$stack" "$name" - >/dev/null
  fi
  printf '%s' "$name"
}

# Waits for the one-off migration job and prints its final task state.
wait_for_job() {
  local service="$1" deadline=$((SECONDS + ${MIGRATE_TIMEOUT:-600})) state
  while ((SECONDS < deadline)); do
    state="$(docker service ps "$service" --format '{{.CurrentState}}' 2>/dev/null | head -n1)"
    case "$state" in
      Complete*) echo complete && return ;;
      Failed* | Rejected* | Orphaned*) echo failed && return ;;
    esac
    sleep 1
  done
  echo timeout
}

migrate() {
  local stack="$1" service
  service="${stack}_migrate_$(date -u +%Y%m%d%H%M%S)"
  log "migrate: one-off job $service with $SLIPWAY_IMAGE"
  docker service create --detach --quiet --name "$service" \
    --mode replicated-job --restart-condition none \
    --label "com.docker.stack.namespace=$stack" \
    --read-only --mount type=tmpfs,destination=/tmp --user 1000:1000 --init \
    --secret "source=$DATABASE_URL_SECRET,target=database_url" \
    --secret "source=$REDIS_URL_SECRET,target=redis_url" \
    --secret "source=$API_KEY_PEPPER_SECRET,target=api_key_pepper" \
    --env NODE_ENV=production --env "CHROMA_URL=$CHROMA_URL" \
    --env DATABASE_URL_FILE=/run/secrets/database_url --env REDIS_URL_FILE=/run/secrets/redis_url \
    --env API_KEY_PEPPER_FILE=/run/secrets/api_key_pepper \
    "$SLIPWAY_IMAGE" service/dist/cli/migrate.js >/dev/null
  local outcome
  outcome="$(wait_for_job "$service")"
  docker service logs --raw "$service" 2>&1 | tail -n 50 || true
  docker service rm "$service" >/dev/null
  if [[ "$outcome" != complete ]]; then
    log "migrate: $outcome; the stack was not updated"
    exit 3
  fi
  log "migrate: complete"
}

# Prints how many of the stack's services run fewer tasks than they should ("0" when all are complete).
services_short() {
  docker stack services "$1" --format '{{.Replicas}}' | awk -F'[/ ]' '$1 != $2 { n++ } END { print n + 0 }'
}

# When the service's current update (or rollback) started; empty when it has none, or does not exist.
update_started_at() {
  docker service inspect "$1" --format '{{if .UpdateStatus}}{{.UpdateStatus.StartedAt}}{{end}}' 2>/dev/null || true
}

# A fingerprint of the service's task template (what a rolling update replaces); empty when it does not exist.
task_template() {
  local template
  template="$(docker service inspect "$1" --format '{{json .Spec.TaskTemplate}}' 2>/dev/null)" || return 0
  printf '%s' "$template" | short_hash
}

# Waits until the API's update (or first deployment) has converged and every service of the stack runs all
# its tasks; exits 4 when Swarm rolled the update back, unless a rollback is what was asked ($2 = rollback).
# $3: the update start time seen before the change was submitted, when the change must start a new update:
# until Swarm reports a later one, what it shows is the previous update's state (it starts updates
# asynchronously, and late on a busy node), so nothing is judged yet.
wait_for_convergence() {
  local service="$1_api" asked="${2:-update}" before="${3-}" deadline=$((SECONDS + ${CONVERGE_TIMEOUT:-600}))
  local state short
  while ((SECONDS < deadline)); do
    if [[ -n "${3+set}" && "$(update_started_at "$service")" == "$before" ]]; then
      sleep 1
      continue
    fi
    state="$(docker service inspect "$service" --format '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}')"
    short="$(services_short "$1")"
    case "$state" in
      rollback_completed) [[ "$asked" == rollback ]] && log "rollback: completed" && return ;&
      rollback_paused | paused)
        log "update: $state — $(docker service inspect "$service" --format '{{.UpdateStatus.Message}}')"
        exit 4
        ;;
      updating | rollback_started) ;;
      *)
        if [[ "$short" == 0 ]]; then
          log "update: converged (${state:-new}; every task running)"
          return
        fi
        ;;
    esac
    sleep 1
  done
  log "update: not converged after ${CONVERGE_TIMEOUT:-600} s"
  exit 5
}

deploy() {
  local stack="$1"
  : "${SLIPWAY_IMAGE:?set SLIPWAY_IMAGE}" "${CHROMA_URL:?set CHROMA_URL}"
  : "${DATABASE_URL:?set DATABASE_URL}" "${REDIS_URL:?set REDIS_URL}" "${API_KEY_PEPPER:?set API_KEY_PEPPER}"
  DATABASE_URL_SECRET="$(ensure_secret "$stack" database_url "$DATABASE_URL")"
  REDIS_URL_SECRET="$(ensure_secret "$stack" redis_url "$REDIS_URL")"
  API_KEY_PEPPER_SECRET="$(ensure_secret "$stack" api_key_pepper "$API_KEY_PEPPER")"
  PROXY_CONFIG_NAME="${stack}_proxy_$(short_hash <"$here/../nginx/swarm-proxy.conf")"
  export DATABASE_URL_SECRET REDIS_URL_SECRET API_KEY_PEPPER_SECRET PROXY_CONFIG_NAME
  migrate "$stack"
  local template_before started_before
  template_before="$(task_template "${stack}_api")"
  started_before="$(update_started_at "${stack}_api")"
  log "update: docker stack deploy $stack"
  env -u DATABASE_URL -u REDIS_URL -u API_KEY_PEPPER \
    docker stack deploy --detach=true --with-registry-auth --resolve-image "${RESOLVE_IMAGE:-always}" \
    --compose-file "$stack_file" "$stack"
  # an existing API whose tasks change gets a rolling update: wait for Swarm to start it before judging
  if [[ -n "$template_before" && "$(task_template "${stack}_api")" != "$template_before" ]]; then
    wait_for_convergence "$stack" update "$started_before"
  else
    wait_for_convergence "$stack"
  fi
}

rollback() {
  local stack="$1"
  log "rollback: ${stack}_api to its previous spec"
  local started_before
  started_before="$(update_started_at "${stack}_api")"
  docker service rollback --detach "${stack}_api" >/dev/null
  wait_for_convergence "$stack" rollback "$started_before"
}

[[ $# -eq 2 ]] || usage
[[ "$2" =~ ^[a-z0-9][a-z0-9_-]{0,62}$ ]] || usage
case "$1" in
  deploy) deploy "$2" ;;
  rollback) rollback "$2" ;;
  *) usage ;;
esac
