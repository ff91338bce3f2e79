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
trap 'rm -f "$report"' EXIT
status=0
node "$GITHUB_ACTION_PATH/dist/bundle/capstan.mjs" "${args[@]}" > "$report" || status=$?
cat "$report"
if [[ -n "${GITHUB_STEP_SUMMARY:-}" ]]; then
  cat "$report" >> "$GITHUB_STEP_SUMMARY"
fi
exit "$status"
