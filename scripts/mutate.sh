#!/usr/bin/env bash
# Mutation testing of the modules that decide what the public reads (not run in CI).
#
# mutmut makes small changes to the code, one at a time (a `<` for a `<=`, a field name
# changed, a rule dropped), and runs the tests that cover the changed function; a change
# that no test notices ("survived") is a promise without a test. Which modules are changed
# and which tests run is in pyproject.toml, [tool.mutmut]; the last scores are in README.md,
# "Development notes". mutmut works in a copy, mutants/ (deleted at each start).
#
#   bash scripts/mutate.sh                    # every function of the configured modules
#   bash scripts/mutate.sh --dates-statuses   # only the date and status rules (faster)
#   bash scripts/mutate.sh 'portal.content.fields.x_partial_date*'   # mutmut's own name patterns
#
# It takes long (tens of minutes for the date and status rules on two cores): run it
# niced, in the background. MUTATE_JOBS sets mutmut's number of workers (default 2).
set -euo pipefail

cd "$(dirname "$0")/.."

# The functions that decide an agreement's dates and the status shown on the build day.
DATES_STATUSES=(
    'portal.content.fields.x_partial_date*'
    'portal.content.fields.x_term*'
    'portal.content.validate.x__agreement_rules*'
    'portal.content.validate.x_date_unknown*'
    'portal.content.assemble.x_add_term*'
    'portal.content.assemble.x_expiry_of*'
    'portal.content.assemble.x_shown_status*'
)
if [[ "${1:-}" == "--dates-statuses" ]]; then
    shift
    set -- "${DATES_STATUSES[@]}" "$@"
fi

python3 -c 'import mutmut' 2>/dev/null || python3 -m pip install -q -e '.[mutation]'

rm -rf mutants
nice -n 19 python3 -m mutmut run --max-children "${MUTATE_JOBS:-2}" "$@" || true
python3 -m mutmut results --all true >mutants/results.txt 2>&1 || true
echo "mutate.sh: mutants by outcome"
grep -oE ': [a-z ]+$' mutants/results.txt | sort | uniq -c
echo "mutate.sh: survivors (show one with: python3 -m mutmut show NAME)"
grep -E ': survived$' mutants/results.txt || echo "(none)"
