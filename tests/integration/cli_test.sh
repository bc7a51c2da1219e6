#!/usr/bin/env bash
# Drives ddb-local with the AWS CLI v2: create-table, describe-table,
# list-tables, put-item, get-item, scan, delete-item, delete-table, and a bad
# input. Usage: cli_test.sh BINARY
# Prints "N passed, M failed" and exits non-zero if anything failed.
set -u

BINARY=${1:-${DDB_LOCAL:-/work/main/ddb-local}}
PY=/usr/bin/python3
AWS=/usr/bin/aws

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok   - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/       /'; }

if [ ! -x "$BINARY" ]; then
  echo "ddb-local binary not found or not executable: $BINARY"
  echo "0 passed, 1 failed"
  exit 1
fi
if [ ! -x "$AWS" ]; then
  echo "AWS CLI not found at $AWS"
  echo "0 passed, 1 failed"
  exit 1
fi

WORK=$(mktemp -d)
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
ENDPOINT="http://127.0.0.1:$PORT"

# Hermetic AWS CLI: dummy credentials, no config files, no pager, no proxy.
export AWS_ACCESS_KEY_ID=AKIDCLITEST AWS_SECRET_ACCESS_KEY=dummy-secret
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export AWS_PAGER="" AWS_DEFAULT_OUTPUT=json AWS_EC2_METADATA_DISABLED=true
export AWS_RETRY_MODE=standard AWS_MAX_ATTEMPTS=2
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_ENDPOINT_URL_DYNAMODB
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
export NO_PROXY=127.0.0.1,localhost

"$BINARY" -port "$PORT" -inMemory >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!

ready=0
for _ in $(seq 1 200); do  # at most ~10 s
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then break; fi
  if $PY -c "import http.client,sys; c=http.client.HTTPConnection('127.0.0.1', $PORT, timeout=1); c.request('GET','/'); sys.exit(0 if c.getresponse().status==200 else 1)" 2>/dev/null; then
    ready=1; break
  fi
  sleep 0.05
done
if [ "$ready" = 1 ]; then
  pass "server ready on port $PORT"
else
  fail "server ready on port $PORT" "$(cat "$WORK/server.err")"
  echo "$passed passed, $failed failed"
  exit 1
fi

# ddb ARGS... : runs the CLI (bounded); stdout in $OUT, stderr in $ERR, exit code in $RC.
ddb() {
  timeout 60 "$AWS" dynamodb "$@" --endpoint-url "$ENDPOINT" --region us-east-1 \
    --cli-connect-timeout 5 --cli-read-timeout 30 >"$WORK/out" 2>"$WORK/err"
  RC=$?
  OUT=$(cat "$WORK/out")
  ERR=$(cat "$WORK/err")
}

# check NAME PYTHON-EXPR : evaluates EXPR with d = the JSON of $OUT.
check() {
  local name=$1 expr=$2
  if [ "$RC" -ne 0 ]; then fail "$name (exit $RC)" "$ERR"; return; fi
  if printf '%s' "$OUT" | $PY -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if ($expr) else 1)" 2>"$WORK/pyerr"; then
    pass "$name"
  else
    fail "$name" "output: $OUT $(cat "$WORK/pyerr")"
  fi
}

T=cli_table

ddb create-table --table-name "$T" \
  --attribute-definitions AttributeName=pk,AttributeType=S AttributeName=sk,AttributeType=N \
  --key-schema AttributeName=pk,KeyType=HASH AttributeName=sk,KeyType=RANGE \
  --billing-mode PAY_PER_REQUEST
check "create-table" "d['TableDescription']['TableName'] == '$T' and d['TableDescription']['KeySchema'] == [{'AttributeName': 'pk', 'KeyType': 'HASH'}, {'AttributeName': 'sk', 'KeyType': 'RANGE'}]"

status=""
for _ in $(seq 1 100); do  # at most ~10 s plus CLI time, bounded by count
  ddb describe-table --table-name "$T"
  status=$(printf '%s' "$OUT" | $PY -c "import json,sys; print(json.load(sys.stdin)['Table']['TableStatus'])" 2>/dev/null)
  [ "$status" = ACTIVE ] && break
  sleep 0.1
done
check "describe-table ACTIVE" "d['Table']['TableStatus'] == 'ACTIVE' and d['Table']['TableName'] == '$T' and sorted((a['AttributeName'], a['AttributeType']) for a in d['Table']['AttributeDefinitions']) == [('pk', 'S'), ('sk', 'N')]"

ddb list-tables
check "list-tables" "'$T' in d['TableNames']"

ddb put-item --table-name "$T" --item '{"pk":{"S":"alpha"},"sk":{"N":"1.50"},"name":{"S":"ünïcödé ✓"},"tags":{"SS":["a","b"]},"big":{"N":"12345678901234567890123456789012345678"},"m":{"M":{"l":{"L":[{"BOOL":true},{"NULL":true}]}}},"b":{"B":"AAEC"}}'
if [ "$RC" -eq 0 ]; then pass "put-item"; else fail "put-item (exit $RC)" "$ERR"; fi

ddb put-item --table-name "$T" --item '{"pk":{"S":"beta"},"sk":{"N":"2"}}'
if [ "$RC" -eq 0 ]; then pass "put-item second"; else fail "put-item second (exit $RC)" "$ERR"; fi

ddb get-item --table-name "$T" --key '{"pk":{"S":"alpha"},"sk":{"N":"1.5"}}' --consistent-read
check "get-item" "d['Item']['pk'] == {'S': 'alpha'} and d['Item']['sk'] == {'N': '1.5'} and d['Item']['name'] == {'S': 'ünïcödé ✓'} and sorted(d['Item']['tags']['SS']) == ['a', 'b'] and d['Item']['big'] == {'N': '12345678901234567890123456789012345678'} and d['Item']['m'] == {'M': {'l': {'L': [{'BOOL': True}, {'NULL': True}]}}} and d['Item']['b'] == {'B': 'AAEC'}"

ddb scan --table-name "$T"
check "scan" "d['Count'] == 2 and sorted(i['pk']['S'] for i in d['Items']) == ['alpha', 'beta']"

ddb scan --table-name "$T" --max-items 1
check "scan --max-items 1 (paginated)" "len(d['Items']) == 1 and 'NextToken' in d"

ddb delete-item --table-name "$T" --key '{"pk":{"S":"alpha"},"sk":{"N":"1.5"}}'
if [ "$RC" -eq 0 ]; then pass "delete-item"; else fail "delete-item (exit $RC)" "$ERR"; fi

ddb get-item --table-name "$T" --key '{"pk":{"S":"alpha"},"sk":{"N":"1.5"}}' --consistent-read
if [ "$RC" -eq 0 ] && ! printf '%s' "$OUT" | grep -q '"Item"'; then
  pass "get-item after delete-item is empty"
else
  fail "get-item after delete-item is empty (exit $RC)" "$OUT $ERR"
fi

# Bad input: the hash key as a number.
ddb put-item --table-name "$T" --item '{"pk":{"N":"1"},"sk":{"N":"1"}}'
if [ "$RC" -ne 0 ] && printf '%s' "$ERR" | grep -qF 'ValidationException' \
   && printf '%s' "$ERR" | grep -qF 'One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N'; then
  pass "put-item with wrong key type fails with ValidationException (exit $RC)"
else
  fail "put-item with wrong key type fails with ValidationException (exit $RC)" "$OUT $ERR"
fi

ddb scan --table-name "$T"
check "bad put-item changed nothing" "d['Count'] == 1 and d['Items'][0]['pk'] == {'S': 'beta'}"

ddb describe-table --table-name no_such_table
if [ "$RC" -ne 0 ] && printf '%s' "$ERR" | grep -qF 'ResourceNotFoundException' \
   && printf '%s' "$ERR" | grep -qF 'Requested resource not found: Table: no_such_table not found'; then
  pass "describe-table of a missing table fails with ResourceNotFoundException"
else
  fail "describe-table of a missing table fails with ResourceNotFoundException (exit $RC)" "$OUT $ERR"
fi

ddb delete-table --table-name "$T"
check "delete-table" "d['TableDescription']['TableName'] == '$T'"

gone=0
for _ in $(seq 1 100); do
  ddb list-tables
  if [ "$RC" -eq 0 ] && printf '%s' "$OUT" | $PY -c "import json,sys; sys.exit(0 if '$T' not in json.load(sys.stdin)['TableNames'] else 1)"; then
    gone=1; break
  fi
  sleep 0.1
done
if [ "$gone" = 1 ]; then pass "table gone from list-tables"; else fail "table gone from list-tables" "$OUT $ERR"; fi

# Stop the server: SIGTERM must give exit code 0.
kill -TERM "$SERVER_PID"
rc=""
for _ in $(seq 1 100); do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then wait "$SERVER_PID"; rc=$?; break; fi
  sleep 0.1
done
if [ "$rc" = 0 ]; then pass "SIGTERM exits with code 0"; else fail "SIGTERM exits with code 0 (got '${rc:-still running}')" "$(cat "$WORK/server.err")"; fi
SERVER_PID=""

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
