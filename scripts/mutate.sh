#!/usr/bin/env bash
# Mutation testing of the modules that decide what the public reads (not run in CI).
#
# mutmut makes small changes to the code, one at a time (a `<` for a `<=`, a field name
# changed, a rule dropped), and runs the tests that cover the changed function; a change
# that no test notices ("survived") is a promise without a test. Which modules may be
# changed and the tests that may run are in pyproject.toml, [tool.mutmut]; each option
# below narrows both to one target. The last scores are in README.md, "Development
# notes". mutmut works in a copy, mutants/ (deleted at each start).
#
#   bash scripts/mutate.sh                    # every function of the configured modules
#   bash scripts/mutate.sh --dates-statuses   # only the date and status rules (faster)
#   bash scripts/mutate.sh --records          # fields, validate, assemble: all their rules
#   bash scripts/mutate.sh --sanitiser        # Markdown -> safe HTML (portal/markdown/)
#   bash scripts/mutate.sh --write            # the write stage (portal/publish/write.py)
#   bash scripts/mutate.sh 'portal.content.fields.x_partial_date*'   # mutmut's own name patterns
#
# It takes long (tens of minutes for a target on two cores): run it niced, in the
# background. MUTATE_JOBS sets mutmut's number of workers (default 2).
set -euo pipefail

cd "$(dirname "$0")/.."

# The tests of the records' rules: pure (no build), property tests left out.
RECORDS_TESTS=(
    tests/content/test_fields.py
    tests/content/test_validate.py
    tests/content/test_assemble.py
    tests/pages/test_views.py
    tests/content/test_frontmatter_schema.py
)
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
tests=()
case "${1:-}" in
    --dates-statuses) patterns=("${DATES_STATUSES[@]}") tests=("${RECORDS_TESTS[@]}") ;;
    --records)
        patterns=(
            'portal.content.fields.*'
            'portal.content.validate.*'
            'portal.content.assemble.*'
        )
        tests=("${RECORDS_TESTS[@]}")
        ;;
    --sanitiser)
        # Rendering only: the builds of test_write.py would render every body per mutant.
        patterns=('portal.markdown.*')
        tests=(
            tests/markdown/test_markup.py
            tests/markdown/test_github_constructs.py
            tests/markdown/test_gfm_spec.py
        )
        ;;
    --write) patterns=('portal.publish.write.*') tests=(tests/publish/test_write.py) ;;
esac
if ((${#tests[@]})); then
    shift
    set -- "${patterns[@]}" "$@"
    # The target's tests only: pytest leaves out every other test file (pytest reads
    # PYTEST_ADDOPTS in each of mutmut's runs; the names it is given are all in these).
    ignored=()
    for file in tests/test_*.py tests/*/test_*.py; do
        [[ " ${tests[*]} " == *" $file "* ]] || ignored+=("--ignore=$file")
    done
    export PYTEST_ADDOPTS="${PYTEST_ADDOPTS:-} ${ignored[*]}"
fi

python3 -c 'import mutmut' 2>/dev/null || python3 -m pip install -q -e '.[mutation]'

rm -rf mutants
nice -n 19 python3 -m mutmut run --max-children "${MUTATE_JOBS:-2}" "$@" || true
python3 -m mutmut results --all true >mutants/results.txt 2>&1 || true
echo "mutate.sh: mutants by outcome"
grep -oE ': [a-z ]+$' mutants/results.txt | sort | uniq -c
echo "mutate.sh: survivors (show one with: python3 -m mutmut show NAME)"
grep -E ': survived$' mutants/results.txt || echo "(none)"
