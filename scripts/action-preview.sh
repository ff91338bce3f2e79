#!/usr/bin/env bash
# The Preview step of action.yml: runs `capstan diff --pr` with what the step's environment gives, prints
# the report to the log and appends it to the job summary. Its exit status is Capstan's.
set -euo pipefail

pr=${CAPSTAN_PULL_REQUEST:-}
if [[ -z "$pr" || "$pr" == *"#" ]]; then
  echo "::error::no pull request to preview: run on a pull_request event, or set the pull-request input" >&2
  exit 2
fi
args=(diff --pr "$pr")
case "${CAPSTAN_COMMENT:-true}" in
  true) args+=(--comment) ;;
  false) ;;
  *)
    echo "::error::the comment input must be true or false (got \"$CAPSTAN_COMMENT\")" >&2
    exit 2
    ;;
esac
if [[ -n "${CAPSTAN_CONFIG:-}" ]]; then
  args+=(--config "${GITHUB_WORKSPACE:-.}/$CAPSTAN_CONFIG")
fi

report=$(mktemp)
kubeconfig=$(mktemp)
trap 'rm -f "$report" "$kubeconfig"' EXIT
if [[ -n "${CAPSTAN_KUBECONFIG:-}" ]]; then
  # The secret goes to a file only this user can read, removed when the step ends.
  chmod 600 "$kubeconfig"
  printf '%s\n' "$CAPSTAN_KUBECONFIG" > "$kubeconfig"
  args+=(--kubeconfig "$kubeconfig")
fi
unset CAPSTAN_KUBECONFIG
status=0
node "$GITHUB_ACTION_PATH/dist/bundle/capstan.mjs" "${args[@]}" > "$report" || status=$?
cat "$report"
if [[ -n "${GITHUB_STEP_SUMMARY:-}" ]]; then
  cat "$report" >> "$GITHUB_STEP_SUMMARY"
fi
exit "$status"
