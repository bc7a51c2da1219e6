"""The expression language and the item operations of issue 3, through boto3
against the real binary: every comparator, BETWEEN, IN, AND/OR/NOT and
function deciding a PutItem; UpdateExpression SET (+, -, if_not_exists,
list_append, nested paths, list indexes), REMOVE, ADD and DELETE; every
ReturnValues of PutItem, UpdateItem and DeleteItem with the exact attributes
returned; ReturnValuesOnConditionCheckFailure; ConditionalCheckFailedException;
ProjectionExpression shapes; 38-digit arithmetic and its overflow; type errors;
key attributes; placeholder, reserved-word and syntax errors; the legacy
parameters (Expected, ConditionalOperator, AttributeUpdates, AttributesToGet)
and mixing them with expressions; ReturnConsumedCapacity arithmetic.

Every rejected request is followed by a strongly consistent read showing that
the item did not change. Error messages are asserted exactly, as DynamoDB
words them: cross-checked against DynamoDB's documentation, ScyllaDB's
test/alternator tests (which pass against DynamoDB) and dynalite's
validations. The few worded only as ddb-local gives them are marked
"wording not cross-checked". Where ddb-local is known to differ from DynamoDB,
the test asserts DynamoDB's behaviour and is marked xfail(strict), so that it
starts failing, as a reminder, once the server is fixed.

Requests that the machine's botocore (1.26) cannot express, such as
ReturnValuesOnConditionCheckFailure, go out as raw signed HTTP.
"""

import uuid
from decimal import Decimal

import pytest

import ddb_support as ds

TABLE = "expressions"        # hash key pk (S)
TABLE_HR = "expressions_hr"  # hash key pk (S), range key sk (N)

CCF = "ConditionalCheckFailedException"
CCF_MESSAGE = "The conditional request failed"
VALIDATION = "ValidationException"
OVERFLOW = "Number overflow. Attempting to store a number with magnitude larger than supported range"
MIXED = ("Can not use both expression and non-expression parameters in the same request: "
         "Non-expression parameters: {%s} Expression parameters: {%s}")


# ---------------------------------------------------------------- helpers

def uid():
    return uuid.uuid4().hex[:12]


def N(v):
    return {"N": str(v)}


def S(v):
    return {"S": v}


def B(v):
    return {"B": v}


def L(*vs):
    return {"L": list(vs)}


def M(**kv):
    return {"M": kv}


@pytest.fixture(scope="module")
def tables(ddb):
    ds.create_table(ddb, TABLE, range_key=None)
    ds.create_table(ddb, TABLE_HR)
    return ddb


def key_of(kwargs):
    """The primary key a PutItem/UpdateItem/DeleteItem/GetItem call names."""
    if "Key" in kwargs:
        return kwargs["Key"]
    return {k: v for k, v in kwargs["Item"].items() if k in ("pk", "sk")}


def stored(ddb, key, table=TABLE):
    """The item as stored now (strongly consistent), sets normalised; None if absent."""
    return ds.norm_item(ddb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item"))


def rejected(ddb, op, code, message, **kwargs):
    """Calls ddb.<op>(**kwargs), which must fail with `code` and exactly
    `message` (None: any message); then checks the item it names is unchanged.
    Returns the message."""
    table = kwargs["TableName"]
    key = key_of(kwargs)
    before = stored(ddb, key, table)
    got = ds.assert_error(getattr(ddb, op), code, message, **kwargs)
    assert stored(ddb, key, table) == before, "a rejected %s changed the item" % op
    return got


def raw(server, op, payload):
    """A raw signed request; returns (HTTP status, decoded JSON body)."""
    resp = ds.raw_call(server.port, op, payload)
    return resp.status, resp.json()


def raw_error(body):
    return body.get("__type", "").rsplit("#", 1)[-1], body.get("message")


# ---------------------------------------------------------------- conditions

# The item every condition case is evaluated against (pk added per case).
BASE = {
    "n": N(5), "s": S("hello"), "b": B(b"\x00\x01\x02"), "t": {"BOOL": True}, "z": {"NULL": True},
    "e": S(""), "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2"]}, "bs": {"BS": [b"\x01", b"\x02"]},
    "l": L(N(1), S("x"), M(q=N(3))),
    "m": M(a=M(b=N(1)), c=L(N(7), N(8))),
    "a.b": S("dot"),
}

# (ConditionExpression, ExpressionAttributeValues, ExpressionAttributeNames, holds?)
CONDITIONS = [
    # =
    ("n = :v", {":v": N(5)}, None, True),
    ("n = :v", {":v": N("5.000")}, None, True),
    ("n = :v", {":v": N(6)}, None, False),
    ("n = :v", {":v": S("5")}, None, False),
    ("s = :v", {":v": S("hello")}, None, True),
    ("b = :v", {":v": B(b"\x00\x01\x02")}, None, True),
    ("t = :v", {":v": {"BOOL": True}}, None, True),
    ("z = :v", {":v": {"NULL": True}}, None, True),
    ("ss = :v", {":v": {"SS": ["b", "a"]}}, None, True),
    ("ss = :v", {":v": {"SS": ["a"]}}, None, False),
    ("l = :v", {":v": L(N(1), S("x"), M(q=N(3)))}, None, True),
    ("m.c = :v", {":v": L(N(7), N(8))}, None, True),
    # <>
    ("n <> :v", {":v": N(6)}, None, True),
    ("n <> :v", {":v": N(5)}, None, False),
    ("n <> :v", {":v": S("5")}, None, True),
    ("nothere <> :v", {":v": N(5)}, None, True),
    # < <= > >=
    ("n < :v", {":v": N(6)}, None, True),
    ("n < :v", {":v": N(5)}, None, False),
    ("n <= :v", {":v": N(5)}, None, True),
    ("n <= :v", {":v": N("4.99")}, None, False),
    ("n > :v", {":v": N("4.9e0")}, None, True),
    ("n > :v", {":v": N(5)}, None, False),
    ("n >= :v", {":v": N(5)}, None, True),
    ("n >= :v", {":v": N("-1E+2")}, None, True),
    ("n >= :v", {":v": N(6)}, None, False),
    ("s < :v", {":v": S("help")}, None, True),
    ("s > :v", {":v": S("Hello")}, None, True),
    ("b < :v", {":v": B(b"\xff")}, None, True),        # bytes compare unsigned
    ("b > :v", {":v": B(b"\x00\x01")}, None, True),    # a prefix is smaller
    ("n < :v", {":v": S("z")}, None, False),           # other type: false, not an error
    ("nothere < :v", {":v": N(1)}, None, False),
    # BETWEEN (inclusive)
    ("n BETWEEN :lo AND :hi", {":lo": N(5), ":hi": N(6)}, None, True),
    ("n BETWEEN :lo AND :hi", {":lo": N(1), ":hi": N(5)}, None, True),
    ("n BETWEEN :lo AND :hi", {":lo": N(1), ":hi": N(4)}, None, False),
    ("s BETWEEN :lo AND :hi", {":lo": S("a"), ":hi": S("i")}, None, True),
    ("nothere BETWEEN :lo AND :hi", {":lo": N(1), ":hi": N(9)}, None, False),
    # IN
    ("n IN (:a, :b)", {":a": N(4), ":b": N(5)}, None, True),
    ("n IN (:a, :b)", {":a": N(4), ":b": N(6)}, None, False),
    ("s IN (:a, :b)", {":a": N(4), ":b": S("hello")}, None, True),
    ("n IN (" + ", ".join(":v%d" % i for i in range(99)) + ")",
     {":v%d" % i: N(i) for i in range(99)}, None, True),
    # AND, OR, NOT, parentheses, precedence (NOT > AND > OR)
    ("n = :five AND s = :s", {":five": N(5), ":s": S("hello")}, None, True),
    ("n = :five AND s = :x", {":five": N(5), ":x": S("x")}, None, False),
    ("n = :six OR s = :s", {":six": N(6), ":s": S("hello")}, None, True),
    ("n = :six OR s = :x", {":six": N(6), ":x": S("x")}, None, False),
    ("NOT n = :six", {":six": N(6)}, None, True),
    ("NOT (n = :five)", {":five": N(5)}, None, False),
    ("n = :five OR n = :six AND s = :x", {":five": N(5), ":six": N(6), ":x": S("x")}, None, True),
    ("(n = :five OR n = :six) AND s = :x", {":five": N(5), ":six": N(6), ":x": S("x")}, None, False),
    ("NOT n = :six AND s = :x", {":six": N(6), ":x": S("x")}, None, False),
    ("(n = :five)", {":five": N(5)}, None, True),
    ("((n = :five) AND s = :s)", {":five": N(5), ":s": S("hello")}, None, True),
    # attribute_exists / attribute_not_exists
    ("attribute_exists(n)", None, None, True),
    ("attribute_exists(nothere)", None, None, False),
    ("attribute_exists(m.a.b)", None, None, True),
    ("attribute_exists(m.a.x)", None, None, False),
    ("attribute_exists(l[2].q)", None, None, True),
    ("attribute_exists(l[3])", None, None, False),
    ("attribute_exists(z)", None, None, True),
    ("attribute_not_exists(nothere)", None, None, True),
    ("attribute_not_exists(n)", None, None, False),
    ("attribute_exists(#d)", None, {"#d": "a.b"}, True),   # a dot inside a name is literal
    ("attribute_exists(a.b)", None, None, False),          # ... but a path separator here
    # attribute_type
    ("attribute_type(n, :t)", {":t": S("N")}, None, True),
    ("attribute_type(s, :t)", {":t": S("S")}, None, True),
    ("attribute_type(b, :t)", {":t": S("B")}, None, True),
    ("attribute_type(t, :t)", {":t": S("BOOL")}, None, True),
    ("attribute_type(z, :t)", {":t": S("NULL")}, None, True),
    ("attribute_type(ss, :t)", {":t": S("SS")}, None, True),
    ("attribute_type(ns, :t)", {":t": S("NS")}, None, True),
    ("attribute_type(bs, :t)", {":t": S("BS")}, None, True),
    ("attribute_type(l, :t)", {":t": S("L")}, None, True),
    ("attribute_type(m, :t)", {":t": S("M")}, None, True),
    ("attribute_type(n, :t)", {":t": S("S")}, None, False),
    ("attribute_type(nothere, :t)", {":t": S("N")}, None, False),
    # begins_with
    ("begins_with(s, :p)", {":p": S("he")}, None, True),
    ("begins_with(s, :p)", {":p": S("lo")}, None, False),
    ("begins_with(b, :p)", {":p": B(b"\x00\x01")}, None, True),
    ("begins_with(n, :p)", {":p": S("5")}, None, False),
    # contains
    ("contains(s, :v)", {":v": S("ell")}, None, True),
    ("contains(s, :v)", {":v": S("xyz")}, None, False),
    ("contains(ss, :v)", {":v": S("a")}, None, True),
    ("contains(ss, :v)", {":v": S("c")}, None, False),
    ("contains(ns, :v)", {":v": N(2)}, None, True),
    ("contains(bs, :v)", {":v": B(b"\x01")}, None, True),
    ("contains(l, :v)", {":v": S("x")}, None, True),
    ("contains(l, :v)", {":v": M(q=N(3))}, None, True),
    ("contains(l, :v)", {":v": N(2)}, None, False),
    ("contains(n, :v)", {":v": N(5)}, None, False),
    # size
    ("size(s) = :v", {":v": N(5)}, None, True),
    ("size(b) = :v", {":v": N(3)}, None, True),
    ("size(e) = :v", {":v": N(0)}, None, True),
    ("size(l) = :v", {":v": N(3)}, None, True),
    ("size(m) = :v", {":v": N(2)}, None, True),
    ("size(ss) = :v", {":v": N(2)}, None, True),
    ("size(m.c) > :v", {":v": N(1)}, None, True),
    ("size(s) < :v", {":v": N(5)}, None, False),
    ("size(n) = :v", {":v": N(1)}, None, False),          # size of a number: the condition fails
    ("size(s) = :v", {":v": S("5")}, None, False),
    # paths and names
    ("l[2].q = :v", {":v": N(3)}, None, True),
    ("m.c[1] = :v", {":v": N(8)}, None, True),
    ("#m.#c[0] = :v", {":v": N(7)}, {"#m": "m", "#c": "c"}, True),
    ("#d = :v", {":v": S("dot")}, {"#d": "a.b"}, True),
]


@pytest.mark.parametrize("expr,values,names,holds", CONDITIONS,
                         ids=["%d:%s" % (i, c[0][:40]) for i, c in enumerate(CONDITIONS)])
def test_condition_decides_put(tables, expr, values, names, holds):
    ddb = tables
    key = {"pk": S("cond-" + uid())}
    ddb.put_item(TableName=TABLE, Item=dict(BASE, **key))
    new = dict(key, v=S("new"))
    kwargs = dict(TableName=TABLE, Item=new, ConditionExpression=expr)
    if values:
        kwargs["ExpressionAttributeValues"] = values
    if names:
        kwargs["ExpressionAttributeNames"] = names
    if holds:
        resp = ddb.put_item(**kwargs)
        assert "Attributes" not in resp
        assert stored(ddb, key) == ds.norm_item(new)
    else:
        rejected(ddb, "put_item", CCF, CCF_MESSAGE, **kwargs)
        assert stored(ddb, key) == ds.norm_item(dict(BASE, **key))


def test_conditions_on_a_missing_item(tables):
    ddb = tables
    key = {"pk": S("absent-" + uid())}
    # Every attribute is missing: attribute_not_exists holds, comparisons fail, <> holds.
    for expr, values in (("attribute_exists(pk)", None), ("n = :v", {":v": N(1)}),
                         ("size(s) >= :v", {":v": N(0)})):
        kwargs = dict(TableName=TABLE, Item=dict(key, v=S("x")), ConditionExpression=expr)
        if values:
            kwargs["ExpressionAttributeValues"] = values
        rejected(ddb, "put_item", CCF, CCF_MESSAGE, **kwargs)
        assert stored(ddb, key) is None
    ddb.put_item(TableName=TABLE, Item=dict(key, v=S("one")), ConditionExpression="n <> :v",
                 ExpressionAttributeValues={":v": N(1)})
    assert stored(ddb, key) == dict(key, v=S("one"))
    # Put-if-absent: the second one fails and leaves the first.
    key2 = {"pk": S("absent-" + uid())}
    ddb.put_item(TableName=TABLE, Item=dict(key2, v=S("first")), ConditionExpression="attribute_not_exists(pk)")
    rejected(ddb, "put_item", CCF, CCF_MESSAGE, TableName=TABLE, Item=dict(key2, v=S("second")),
             ConditionExpression="attribute_not_exists(pk)")
    assert stored(ddb, key2) == dict(key2, v=S("first"))


def test_conditional_check_failed_exception(tables):
    ddb = tables
    key = {"pk": S("ccf-" + uid())}
    ddb.put_item(TableName=TABLE, Item=dict(key, n=N(1)))
    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException) as e:
        ddb.put_item(TableName=TABLE, Item=dict(key, n=N(2)), ConditionExpression="n = :v",
                     ExpressionAttributeValues={":v": N(0)})
    err = e.value.response
    assert err["Error"]["Code"] == CCF and err["Error"]["Message"] == CCF_MESSAGE
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 400
    # UpdateItem and DeleteItem fail the same way, changing nothing.
    rejected(ddb, "update_item", CCF, CCF_MESSAGE, TableName=TABLE, Key=key, UpdateExpression="SET n = :v",
             ConditionExpression="n > :v", ExpressionAttributeValues={":v": N(7)})
    rejected(ddb, "delete_item", CCF, CCF_MESSAGE, TableName=TABLE, Key=key,
             ConditionExpression="attribute_not_exists(n)")
    assert stored(ddb, key) == dict(key, n=N(1))


# (ConditionExpression, ExpressionAttributeValues, ExpressionAttributeNames, message)
CONDITION_ERRORS = [
    # The form of a syntax error is DynamoDB's; the "near" text is not cross-checked.
    ("n == :v", {":v": N(1)}, None,
     'Invalid ConditionExpression: Syntax error; token: "=", near: "== :v"'),
    ("n = :v AND", {":v": N(1)}, None,
     'Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "AND"'),
    ("n = :v)", {":v": N(1)}, None,
     'Invalid ConditionExpression: Syntax error; token: ")", near: ":v)"'),
    ("", None, None, "Invalid ConditionExpression: The expression can not be empty;"),
    ("((n = :v))", {":v": N(1)}, None, "Invalid ConditionExpression: The expression has redundant parentheses;"),
    ("n = n", None, None,
     "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this "
     "operator or function; operator: =, first operand: [n]"),
    ("nosuchfn(n)", None, None, "Invalid ConditionExpression: Invalid function name; function: nosuchfn"),
    ("size(n)", None, None,
     "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; "
     "function: size"),
    ("begins_with(s, :v)", {":v": N(1)}, None,
     "Invalid ConditionExpression: Incorrect operand type for operator or function; "
     "operator or function: begins_with, operand type: N"),
    ("attribute_type(n, :v)", {":v": N(1)}, None,
     "Invalid ConditionExpression: Incorrect operand type for operator or function; "
     "operator or function: attribute_type, operand type: N"),
    ("n BETWEEN :hi AND :lo", {":lo": N(1), ":hi": N(5)}, None,
     "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal "
     "to lower bound; lower bound operand: AttributeValue: {N:5}, upper bound operand: AttributeValue: {N:1}"),
    # IN takes 100 operands in all (the left one included), so 99 listed values at most
    # (ScyllaDB's test_update_condition_in); wording not cross-checked.
    ("n IN (" + ", ".join(":v%d" % i for i in range(100)) + ")", {":v%d" % i: N(i) for i in range(100)}, None,
     "Invalid ConditionExpression: The IN operator is provided with too many operands; number of operands: 101"),
    ("n = :w", {":v": N(1)}, None,
     "Invalid ConditionExpression: An expression attribute value used in expression is not defined; "
     "attribute value: :w"),
    ("#x = :v", {":v": N(1)}, None,
     "Invalid ConditionExpression: An expression attribute name used in the document path is not defined; "
     "attribute name: #x"),
    ("n = :v", {":v": N(1), ":unused": N(2)}, None,
     "Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}"),
    ("n = :v", {":v": N(1)}, {"#unused": "n"},
     "Value provided in ExpressionAttributeNames unused in expressions: keys: {#unused}"),
    ("name = :v", {":v": N(1)}, None,
     "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: name"),
]


@pytest.mark.parametrize("expr,values,names,message", CONDITION_ERRORS,
                         ids=["%d:%s" % (i, c[0][:30]) for i, c in enumerate(CONDITION_ERRORS)])
def test_condition_expression_errors(tables, expr, values, names, message):
    ddb = tables
    key = {"pk": S("conderr-" + uid())}
    ddb.put_item(TableName=TABLE, Item=dict(key, n=N(5), s=S("x")))
    kwargs = dict(TableName=TABLE, Item=dict(key, n=N(6)), ConditionExpression=expr)
    if values:
        kwargs["ExpressionAttributeValues"] = values
    if names:
        kwargs["ExpressionAttributeNames"] = names
    rejected(ddb, "put_item", VALIDATION, message, **kwargs)


# ---------------------------------------------------------------- UpdateExpression

# The item every update case starts from (pk added per case).
UPD = {
    "n": N(5), "s": S("hi"), "l": L(N(1), N(2), N(3)),
    "m": M(a=M(b=N(1)), c=L(N(7), N(8))),
    "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2"]}, "bs": {"BS": [b"\x01"]},
}


def with_(base, **changes):
    """base with attributes replaced (value None: removed)."""
    out = dict(base)
    for k, v in changes.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = v
    return out


# (UpdateExpression, ExpressionAttributeValues, ExpressionAttributeNames, the item after it, minus pk)
UPDATES = [
    # SET with + and -
    ("SET n = n + :one", {":one": N(1)}, None, with_(UPD, n=N(6))),
    ("SET n = n - :one", {":one": N(1)}, None, with_(UPD, n=N(4))),
    ("SET n = :ten - n", {":ten": N(10)}, None, with_(UPD, n=N(5))),
    ("SET x = n + n", None, None, with_(UPD, x=N(10))),
    ("SET x = :a + :b", {":a": N("1.5"), ":b": N("2.25")}, None, with_(UPD, x=N("3.75"))),
    ("SET x = :a - :b", {":a": N("0.1"), ":b": N("0.3")}, None, with_(UPD, x=N("-0.2"))),
    ("SET m.a.b = m.a.b + :one", {":one": N(1)}, None, with_(UPD, m=M(a=M(b=N(2)), c=L(N(7), N(8))))),
    # if_not_exists
    ("SET n = if_not_exists(n, :z)", {":z": N(0)}, None, UPD),
    ("SET x = if_not_exists(x, :z)", {":z": N(0)}, None, with_(UPD, x=N(0))),
    ("SET x = if_not_exists(x, :z) + :one", {":z": N(0), ":one": N(1)}, None, with_(UPD, x=N(1))),
    # list_append
    ("SET l = list_append(l, :v)", {":v": L(N(4))}, None, with_(UPD, l=L(N(1), N(2), N(3), N(4)))),
    ("SET l = list_append(:v, l)", {":v": L(S("z"))}, None, with_(UPD, l=L(S("z"), N(1), N(2), N(3)))),
    ("SET x = list_append(:a, :b)", {":a": L(N(1)), ":b": L(L(), M())}, None, with_(UPD, x=L(N(1), L(), M()))),
    ("SET x = list_append(m.c, l)", None, None, with_(UPD, x=L(N(7), N(8), N(1), N(2), N(3)))),
    # nested map paths and list indexes
    ("SET m.a.b = :v", {":v": S("deep")}, None, with_(UPD, m=M(a=M(b=S("deep")), c=L(N(7), N(8))))),
    ("SET m.a.added = :v", {":v": N(9)}, None, with_(UPD, m=M(a=M(b=N(1), added=N(9)), c=L(N(7), N(8))))),
    ("SET m.c[0] = :v", {":v": N(70)}, None, with_(UPD, m=M(a=M(b=N(1)), c=L(N(70), N(8))))),
    ("SET l[1] = :v", {":v": S("two")}, None, with_(UPD, l=L(N(1), S("two"), N(3)))),
    ("SET l[10] = :v", {":v": N(4)}, None, with_(UPD, l=L(N(1), N(2), N(3), N(4)))),  # past the end: appended
    ("SET l[5] = :a, l[4] = :b", {":a": S("a"), ":b": S("b")}, None,
     with_(UPD, l=L(N(1), N(2), N(3), S("b"), S("a")))),                                  # in index order
    ("SET x = m.c[1]", None, None, with_(UPD, x=N(8))),
    ("SET #k = :v", {":v": N(1)}, {"#k": "a.b"}, with_(UPD, **{"a.b": N(1)})),
    ("SET m.#k = :v", {":v": N(1)}, {"#k": "x.y"}, with_(UPD, m=M(a=M(b=N(1)), c=L(N(7), N(8)), **{"x.y": N(1)}))),
    ("SET x = :v, y = :w", {":v": N(1), ":w": M(k=L())}, None, with_(UPD, x=N(1), y=M(k=L()))),
    ("set x = :v", {":v": N(1)}, None, with_(UPD, x=N(1))),   # clause keywords are case-insensitive
    # REMOVE: attributes, map keys, list elements
    ("REMOVE s", None, None, with_(UPD, s=None)),
    ("REMOVE s, n", None, None, with_(UPD, s=None, n=None)),
    ("REMOVE m.a", None, None, with_(UPD, m=M(c=L(N(7), N(8))))),
    ("REMOVE m.a.b", None, None, with_(UPD, m=M(a=M(), c=L(N(7), N(8))))),   # an empty map stays
    ("REMOVE l[0]", None, None, with_(UPD, l=L(N(2), N(3)))),
    ("REMOVE l[0], l[2]", None, None, with_(UPD, l=L(N(2)))),
    ("REMOVE m.c[1]", None, None, with_(UPD, m=M(a=M(b=N(1)), c=L(N(7))))),
    ("REMOVE nothere, m.nothere, l[9]", None, None, UPD),
    # ADD: numbers and sets
    ("ADD n :v", {":v": N(3)}, None, with_(UPD, n=N(8))),
    ("ADD n :v", {":v": N("-5.5")}, None, with_(UPD, n=N("-0.5"))),
    ("ADD x :v", {":v": N(3)}, None, with_(UPD, x=N(3))),
    ("ADD ss :v", {":v": {"SS": ["b", "c"]}}, None, with_(UPD, ss={"SS": ["a", "b", "c"]})),
    ("ADD ns :v", {":v": {"NS": ["2", "3"]}}, None, with_(UPD, ns={"NS": ["1", "2", "3"]})),
    ("ADD bs :v", {":v": {"BS": [b"\x02"]}}, None, with_(UPD, bs={"BS": [b"\x01", b"\x02"]})),
    ("ADD x :v", {":v": {"SS": ["new"]}}, None, with_(UPD, x={"SS": ["new"]})),
    ("ADD n :a, x :b", {":a": N(1), ":b": {"NS": ["4"]}}, None, with_(UPD, n=N(6), x={"NS": ["4"]})),
    # DELETE: from sets
    ("DELETE ss :v", {":v": {"SS": ["a", "zz"]}}, None, with_(UPD, ss={"SS": ["b"]})),
    ("DELETE ss :v", {":v": {"SS": ["a", "b"]}}, None, with_(UPD, ss=None)),   # empty: attribute removed
    ("DELETE ns :v", {":v": {"NS": ["1"]}}, None, with_(UPD, ns={"NS": ["2"]})),
    ("DELETE bs :v", {":v": {"BS": [b"\x01"]}}, None, with_(UPD, bs=None)),
    ("DELETE nothere :v", {":v": {"SS": ["a"]}}, None, UPD),
    # All four clauses, in any order
    ("DELETE ss :a ADD n :one REMOVE s SET x = :one", {":a": {"SS": ["a"]}, ":one": N(1)}, None,
     with_(UPD, ss={"SS": ["b"]}, n=N(6), s=None, x=N(1))),
]


@pytest.mark.parametrize("expr,values,names,after", UPDATES,
                         ids=["%d:%s" % (i, u[0][:40]) for i, u in enumerate(UPDATES)])
def test_update_expression(tables, expr, values, names, after):
    ddb = tables
    key = {"pk": S("upd-" + uid())}
    ddb.put_item(TableName=TABLE, Item=dict(UPD, **key))
    kwargs = dict(TableName=TABLE, Key=key, UpdateExpression=expr, ReturnValues="ALL_NEW")
    if values:
        kwargs["ExpressionAttributeValues"] = values
    if names:
        kwargs["ExpressionAttributeNames"] = names
    resp = ddb.update_item(**kwargs)
    want = ds.norm_item(dict(after, **key))
    assert ds.norm_item(resp["Attributes"]) == want
    assert stored(ddb, key) == want


def test_update_of_a_missing_item(tables):
    ddb = tables
    # SET and ADD create the item; REMOVE and DELETE alone do not.
    key = {"pk": S("new-" + uid())}
    ddb.update_item(TableName=TABLE, Key=key, UpdateExpression="SET x = if_not_exists(x, :z) + :one",
                    ExpressionAttributeValues={":z": N(0), ":one": N(1)})
    assert stored(ddb, key) == dict(key, x=N(1))
    key = {"pk": S("new-" + uid())}
    ddb.update_item(TableName=TABLE, Key=key, UpdateExpression="ADD c :one, s :s",
                    ExpressionAttributeValues={":one": N(1), ":s": {"SS": ["a"]}})
    assert stored(ddb, key) == dict(key, c=N(1), s={"SS": ["a"]})
    key = {"pk": S("new-" + uid())}
    ddb.update_item(TableName=TABLE, Key=key, UpdateExpression="REMOVE x")
    ddb.update_item(TableName=TABLE, Key=key, UpdateExpression="DELETE s :s",
                    ExpressionAttributeValues={":s": {"SS": ["a"]}})
    assert stored(ddb, key) is None
    # Reading a missing attribute in arithmetic is an error.
    rejected(ddb, "update_item", VALIDATION,
             "The provided expression refers to an attribute that does not exist in the item",
             TableName=TABLE, Key=key, UpdateExpression="SET x = x + :one",
             ExpressionAttributeValues={":one": N(1)})
    assert stored(ddb, key) is None


SYNTAX = 'Invalid UpdateExpression: Syntax error; token: '
TYPE_ERROR = "An operand in the update expression has an incorrect data type"
BAD_PATH = "The document path provided in the update expression is invalid for update"

# (UpdateExpression, ExpressionAttributeValues, ExpressionAttributeNames, message)
UPDATE_ERRORS = [
    # syntax, naming the token (the form is DynamoDB's; the "near" text is not cross-checked)
    ("SET n = :v +", {":v": N(1)}, None, SYNTAX + '"<EOF>", near: "+"'),
    ("SET n == :v", {":v": N(1)}, None, SYNTAX + '"=", near: "== :v"'),
    ("SET x :v", {":v": N(1)}, None, SYNTAX + '":v", near: "x :v"'),
    ("PUT x = :v", {":v": N(1)}, None, SYNTAX + '"PUT", near: "PUT x"'),
    ("SET x = :a + :b + :a", {":a": N(1), ":b": N(1)}, None, SYNTAX + '"+", near: ":b + :a"'),
    ("", {":v": N(1)}, None, "Invalid UpdateExpression: The expression can not be empty;"),
    # functions
    ("SET x = LIST_APPEND(l, l)", None, None, "Invalid UpdateExpression: Invalid function name; function: LIST_APPEND"),
    ("SET x = list_append(l)", None, None,
     "Invalid UpdateExpression: Incorrect number of operands for operator or function; "
     "operator or function: list_append, number of operands: 1"),
    # clauses and paths
    ("SET x = :v SET y = :v", {":v": N(1)}, None,
     'Invalid UpdateExpression: The "SET" section can only be used once in an update expression;'),
    ("SET m = :v, m.a = :v", {":v": N(1)}, None,
     "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of "
     "these paths; path one: [m], path two: [m, a]"),
    ("SET n = :v REMOVE n", {":v": N(1)}, None,
     "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of "
     "these paths; path one: [n], path two: [n]"),
    ("SET l[0] = :v REMOVE l[0]", {":v": N(1)}, None,
     "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of "
     "these paths; path one: [l, [0]], path two: [l, [0]]"),
    ("SET " + ".".join(["m"] * 33) + " = :v", {":v": N(1)}, None,
     "Invalid UpdateExpression: The document path has too many nesting levels; nesting levels: 33"),
    ("SET s.x = :v", {":v": N(1)}, None, BAD_PATH),
    ("SET nothere.x = :v", {":v": N(1)}, None, BAD_PATH),
    ("SET s[0] = :v", {":v": N(1)}, None, BAD_PATH),
    ("REMOVE s.x", None, None, BAD_PATH),
    # placeholders and reserved words
    ("SET x = :w", {":v": N(1)}, None,
     "Invalid UpdateExpression: An expression attribute value used in expression is not defined; "
     "attribute value: :w"),
    ("SET #x = :v", {":v": N(1)}, None,
     "Invalid UpdateExpression: An expression attribute name used in the document path is not defined; "
     "attribute name: #x"),
    ("SET n = :v", {":v": N(1), ":w": N(2)}, None,
     "Value provided in ExpressionAttributeValues unused in expressions: keys: {:w}"),
    ("SET n = :v", {":v": N(1)}, {"#n": "n"},
     "Value provided in ExpressionAttributeNames unused in expressions: keys: {#n}"),
    ("SET name = :v", {":v": N(1)}, None,
     "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: name"),
    # type errors in arithmetic and sets
    ("SET n = n + :v", {":v": S("1")}, None,
     "Invalid UpdateExpression: Incorrect operand type for operator or function; "
     "operator or function: +, operand type: S"),
    ("SET x = s + :v", {":v": N(1)}, None, TYPE_ERROR),
    ("SET x = list_append(l, :v)", {":v": N(1)}, None,
     "Invalid UpdateExpression: Incorrect operand type for operator or function; "
     "operator or function: list_append, operand type: N"),
    ("SET x = list_append(l, s)", None, None, TYPE_ERROR),
    ("ADD n :v", {":v": S("1")}, None,
     "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING"),
    ("ADD l :v", {":v": L(N(1))}, None,
     "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: LIST"),
    ("ADD s :v", {":v": N(1)}, None, TYPE_ERROR),
    ("ADD ss :v", {":v": {"NS": ["1"]}}, None, TYPE_ERROR),
    ("ADD n :v", {":v": {"SS": ["a"]}}, None, TYPE_ERROR),
    ("DELETE ss :v", {":v": S("a")}, None,
     "Invalid UpdateExpression: Incorrect operand type for operator or function; "
     "operator: DELETE, operand type: STRING"),
    ("DELETE ss :v", {":v": {"NS": ["1"]}}, None, TYPE_ERROR),
    ("DELETE n :v", {":v": {"NS": ["1"]}}, None, TYPE_ERROR),
    ("DELETE ss :v", {":v": {"SS": []}}, None,
     "ExpressionAttributeValues contains invalid value: One or more parameter values were invalid: "
     "An string set  may not be empty for key :v"),
]


@pytest.mark.parametrize("expr,values,names,message", UPDATE_ERRORS,
                         ids=["%d:%s" % (i, u[0][:40]) for i, u in enumerate(UPDATE_ERRORS)])
def test_update_expression_errors(tables, ddb_raw_params, expr, values, names, message):
    ddb = tables
    key = {"pk": S("upderr-" + uid())}
    ddb.put_item(TableName=TABLE, Item=dict(UPD, **key))
    kwargs = dict(TableName=TABLE, Key=key, UpdateExpression=expr)
    if values:
        kwargs["ExpressionAttributeValues"] = values
    if names:
        kwargs["ExpressionAttributeNames"] = names
    # Without client-side validation, so that an empty set reaches the server.
    rejected(ddb_raw_params, "update_item", VALIDATION, message, **kwargs)


KEY_MESSAGE = "One or more parameter values were invalid: Cannot update attribute %s. This attribute is part of the key"


def test_update_of_a_key_attribute_is_rejected(tables):
    ddb = tables
    key = {"pk": S("key-" + uid())}
    ddb.put_item(TableName=TABLE, Item=dict(key, a=N(1)))
    for expr, values, names in (("SET pk = :v", {":v": S("other")}, None),
                                ("SET #k = :v", {":v": key["pk"]}, {"#k": "pk"}),   # even to the same value
                                ("REMOVE pk", None, None),
                                ("ADD pk :v", {":v": N(1)}, None)):
        kwargs = dict(TableName=TABLE, Key=key, UpdateExpression=expr)
        if values:
            kwargs["ExpressionAttributeValues"] = values
        if names:
            kwargs["ExpressionAttributeNames"] = names
        rejected(ddb, "update_item", VALIDATION, KEY_MESSAGE % "pk", **kwargs)
    rejected(ddb, "update_item", VALIDATION, KEY_MESSAGE % "pk", TableName=TABLE, Key=key,
             AttributeUpdates={"pk": {"Action": "PUT", "Value": S("other")}})
    # The range key too.
    hr_key = {"pk": S("key-" + uid()), "sk": N(1)}
    ddb.put_item(TableName=TABLE_HR, Item=dict(hr_key, a=N(1)))
    rejected(ddb, "update_item", VALIDATION, KEY_MESSAGE % "sk", TableName=TABLE_HR, Key=hr_key,
             UpdateExpression="SET sk = :v", ExpressionAttributeValues={":v": N(2)})
    rejected(ddb, "update_item", VALIDATION, KEY_MESSAGE % "sk", TableName=TABLE_HR, Key=hr_key,
             AttributeUpdates={"sk": {"Action": "DELETE"}})
    assert stored(ddb, hr_key, TABLE_HR) == dict(hr_key, a=N(1))


NESTED_TOO_DEEP = ("Nesting Levels have exceeded supported limits: Attributes in the item have nested levels "
                   "beyond supported limit")


def nested(levels):
    """A value `levels` levels deep, counting itself: maps down to a string."""
    v = S("bottom")
    for _ in range(levels - 1):
        v = M(a=v)
    return v


def test_update_cannot_nest_an_item_past_32_levels(tables):
    # PutItem refuses an item past 32 levels; an update must not build one
    # out of valid parts either (PutItem's message; for UpdateItem the
    # wording is not cross-checked). Before, such an update was stored: at
    # 33 to 64 levels the item could no longer be written back as read, and
    # past 64 every later read of it answered HTTP 500.
    ddb = tables
    key = {"pk": S("deep-" + uid())}
    ddb.put_item(TableName=TABLE, Item=dict(key, a=nested(32), m=M()))
    ds.assert_error(ddb.put_item, VALIDATION, NESTED_TOO_DEEP, TableName=TABLE, Item=dict(key, a=nested(33)))
    # a copied 31 levels into itself: 62 levels.
    rejected(ddb, "update_item", VALIDATION, NESTED_TOO_DEEP, TableName=TABLE, Key=key,
             UpdateExpression="SET a" + ".a" * 30 + " = a")
    # 32 levels set one level down: 33.
    rejected(ddb, "update_item", VALIDATION, NESTED_TOO_DEEP, TableName=TABLE, Key=key,
             UpdateExpression="SET m.x = :v", ExpressionAttributeValues={":v": nested(32)})
    # 32 in all is allowed, and the item reads and writes back as it is.
    ddb.update_item(TableName=TABLE, Key=key, UpdateExpression="SET m.x = :v",
                    ExpressionAttributeValues={":v": nested(31)})
    item = ddb.get_item(TableName=TABLE, Key=key, ConsistentRead=True)["Item"]
    assert item["m"] == M(x=nested(31))
    ddb.put_item(TableName=TABLE, Item=item)
    assert stored(ddb, key) == ds.norm_item(item)


# ---------------------------------------------------------------- numbers

BIG = "12345678901234567890123456789012345678"   # 38 digits
NINES = "9" * 38


def test_38_digit_arithmetic_is_exact(tables):
    ddb = tables
    key = {"pk": S("num-" + uid())}
    ddb.put_item(TableName=TABLE, Item=dict(key, big=N(BIG), one=N(1)))
    assert stored(ddb, key)["big"] == N(BIG)

    def update(expr, values=None, rv="UPDATED_NEW"):
        kwargs = dict(TableName=TABLE, Key=key, UpdateExpression=expr, ReturnValues=rv)
        if values:
            kwargs["ExpressionAttributeValues"] = values
        return ddb.update_item(**kwargs)["Attributes"]

    assert update("SET big = big + one") == {"big": N("12345678901234567890123456789012345679")}
    assert update("SET big = big - :v", {":v": N("12345678901234567890123456789012345678")}) == {"big": N(1)}
    assert update("SET x = :a - :b", {":a": N(NINES), ":b": N(1)}) == {"x": N("9" * 37 + "8")}
    assert update("SET x = :a + :b", {":a": N(NINES), ":b": N(1)}) == {"x": N("1" + "0" * 38)}
    assert update("SET x = :a + :b", {":a": N("1E+37"), ":b": N(1)}) == {"x": N("1" + "0" * 36 + "1")}
    assert update("SET x = :a + :b", {":a": N("0.1"), ":b": N("0.2")}) == {"x": N("0.3")}
    assert update("SET x = :a", {":a": N(1)}) == {"x": N(1)}
    assert update("ADD x :a", {":a": N("-0.00000000000000000000000000000000000001")}) == \
        {"x": N("0.99999999999999999999999999999999999999")}
    # The extremes of the range, compared by value (the text form of an exponent is not fixed).
    for v in ("9.9999999999999999999999999999999999999E+125", "-9.9999999999999999999999999999999999999E+125",
              "1E-130", "-1E-130"):
        got = update("SET x = :a", {":a": N(v)})["x"]["N"]
        assert Decimal(got) == Decimal(v), (v, got)
    got = update("SET x = :a + :b", {":a": N("9e125"), ":b": N("9e124")})["x"]["N"]
    assert Decimal(got) == Decimal("9.9e125")
    assert stored(ddb, key)["one"] == N(1)


# (UpdateExpression, ExpressionAttributeValues, message)
NUMBER_ERRORS = [
    ("SET x = :a + :b", {":a": N("9e125"), ":b": N("9e125")}, OVERFLOW),
    ("SET x = :a - :b", {":a": N("-9e125"), ":b": N("9e125")}, OVERFLOW),
    ("ADD big :a", {":a": N("9.9e125")}, OVERFLOW),
    # A result that needs more than 38 digits: DynamoDB reports it as an overflow too.
    ("SET x = :a + :b", {":a": N("1e50"), ":b": N(1)}, OVERFLOW),
    ("SET x = big + :b", {":b": N("0.1")}, OVERFLOW),
    ("SET x = :a - :b", {":a": N("1.5e-130"), ":b": N("1e-130")},   # wording not cross-checked
     "Number underflow. Attempting to store a number with magnitude smaller than supported range"),
    ("SET x = :a", {":a": N("1e126")},
     "ExpressionAttributeValues contains invalid value: Number overflow. Attempting to store a number with "
     "magnitude larger than supported range for key :a"),
    ("SET x = :a", {":a": N("1e-131")},
     "ExpressionAttributeValues contains invalid value: Number underflow. Attempting to store a number with "
     "magnitude smaller than supported range for key :a"),
    ("SET x = :a", {":a": N("3.14159265358979323846264338327950288419")},
     "ExpressionAttributeValues contains invalid value: Attempting to store more than 38 significant digits "
     "in a Number for key :a"),
    ("SET x = :a", {":a": N("dog")},
     "ExpressionAttributeValues contains invalid value: The parameter cannot be converted to a numeric value: "
     "dog for key :a"),
]


@pytest.mark.parametrize("expr,values,message", NUMBER_ERRORS,
                         ids=["%d:%s" % (i, e[0]) for i, e in enumerate(NUMBER_ERRORS)])
def test_number_errors(tables, expr, values, message):
    ddb = tables
    key = {"pk": S("numerr-" + uid())}
    ddb.put_item(TableName=TABLE, Item=dict(key, big=N(BIG)))
    rejected(ddb, "update_item", VALIDATION, message, TableName=TABLE, Key=key, UpdateExpression=expr,
             ExpressionAttributeValues=values)


# ---------------------------------------------------------------- ReturnValues

INVALID_RV = "Return values set to invalid value"
ENUM_RV = ("1 validation error detected: Value '%s' at 'returnValues' failed to satisfy constraint: "
           "Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]")


def test_put_item_return_values(tables):
    ddb = tables
    key = {"pk": S("rvput-" + uid())}
    old = dict(key, a=S("hi"), l=L(N(1)))
    assert "Attributes" not in ddb.put_item(TableName=TABLE, Item=old, ReturnValues="ALL_OLD")  # was absent
    assert "Attributes" not in ddb.put_item(TableName=TABLE, Item=old, ReturnValues="NONE")
    assert "Attributes" not in ddb.put_item(TableName=TABLE, Item=old)
    resp = ddb.put_item(TableName=TABLE, Item=dict(key, a=S("new")), ReturnValues="ALL_OLD")
    assert ds.norm_item(resp["Attributes"]) == old
    for rv in ("UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"):
        rejected(ddb, "put_item", VALIDATION, INVALID_RV, TableName=TABLE, Item=dict(key, a=S("x")), ReturnValues=rv)
    for rv in ("DOG", "none"):
        rejected(ddb, "put_item", VALIDATION, ENUM_RV % rv, TableName=TABLE, Item=dict(key, a=S("x")),
                 ReturnValues=rv)
    assert stored(ddb, key) == dict(key, a=S("new"))


def test_delete_item_return_values(tables):
    ddb = tables
    key = {"pk": S("rvdel-" + uid())}
    item = dict(key, a=S("hi"), ss={"SS": ["x", "y"]})
    ddb.put_item(TableName=TABLE, Item=item)
    for rv in ("UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"):
        rejected(ddb, "delete_item", VALIDATION, INVALID_RV, TableName=TABLE, Key=key, ReturnValues=rv)
    resp = ddb.delete_item(TableName=TABLE, Key=key, ReturnValues="ALL_OLD")
    assert ds.norm_item(resp["Attributes"]) == ds.norm_item(item)
    assert stored(ddb, key) is None
    assert "Attributes" not in ddb.delete_item(TableName=TABLE, Key=key, ReturnValues="ALL_OLD")
    ddb.put_item(TableName=TABLE, Item=item)
    assert "Attributes" not in ddb.delete_item(TableName=TABLE, Key=key, ReturnValues="NONE")
    assert stored(ddb, key) is None


UPDATE_RV_ITEM = {"a": M(b=S("dog"), c=L(N(1), N(2), N(3))), "d": S("cat"), "n": N(1)}

# (ReturnValues, UpdateExpression, ExpressionAttributeValues, the exact Attributes or None when absent)
UPDATE_RETURN_VALUES = [
    ("NONE", "SET d = :v", {":v": S("x")}, None),
    ("ALL_OLD", "SET d = :v", {":v": S("x")}, UPDATE_RV_ITEM),
    ("ALL_NEW", "SET d = :v", {":v": S("x")}, with_(UPDATE_RV_ITEM, d=S("x"))),
    ("UPDATED_OLD", "SET d = :v, e = :v", {":v": S("x")}, {"d": S("cat")}),
    ("UPDATED_NEW", "SET d = :v, e = :v", {":v": S("x")}, {"d": S("x"), "e": S("x")}),
    ("UPDATED_NEW", "ADD n :v", {":v": N(2)}, {"n": N(3)}),
    ("UPDATED_OLD", "REMOVE d", None, {"d": S("cat")}),
    ("UPDATED_NEW", "REMOVE d", None, None),
    ("ALL_NEW", "REMOVE d SET s = :v", {":v": S("x")}, with_(UPDATE_RV_ITEM, d=None, s=S("x"))),
    # Nested paths: only the updated part, inside its enclosing maps and lists.
    ("UPDATED_OLD", "SET a.b = :v", {":v": S("yo")}, {"a": M(b=S("dog"))}),
    ("UPDATED_NEW", "SET a.b = :v", {":v": S("yo")}, {"a": M(b=S("yo"))}),
    ("UPDATED_OLD", "SET a.c[1] = :v, a.b = :w", {":v": N(8), ":w": S("yo")}, {"a": M(b=S("dog"), c=L(N(2)))}),
    ("UPDATED_NEW", "SET a.c[1] = :v, a.b = :w", {":v": N(8), ":w": S("yo")}, {"a": M(b=S("yo"), c=L(N(8)))}),
    ("UPDATED_OLD", "REMOVE a.c[1], a.c[7]", None, {"a": M(c=L(N(2)))}),
    ("UPDATED_NEW", "REMOVE a.c[1]", None, {"a": M(c=L(N(3)))}),      # what is at a.c[1] afterwards
    ("UPDATED_OLD", "SET a.x = :v", {":v": N(8)}, None),                # nothing was there
    ("UPDATED_NEW", "SET a.x = :v", {":v": N(8)}, {"a": M(x=N(8))}),
    ("UPDATED_NEW", "SET a.c[100] = :v", {":v": N(9)}, None),            # appended at a.c[3], not a.c[100]
]


@pytest.mark.parametrize("rv,expr,values,attributes", UPDATE_RETURN_VALUES,
                         ids=["%d:%s:%s" % (i, u[0], u[1][:30]) for i, u in enumerate(UPDATE_RETURN_VALUES)])
def test_update_item_return_values(tables, rv, expr, values, attributes):
    ddb = tables
    key = {"pk": S("rvupd-" + uid())}
    ddb.put_item(TableName=TABLE, Item=dict(UPDATE_RV_ITEM, **key))
    kwargs = dict(TableName=TABLE, Key=key, UpdateExpression=expr, ReturnValues=rv)
    if values:
        kwargs["ExpressionAttributeValues"] = values
    resp = ddb.update_item(**kwargs)
    if attributes is None:
        assert "Attributes" not in resp
        return
    if rv in ("ALL_OLD", "ALL_NEW"):
        attributes = dict(attributes, **key)
    assert ds.norm_item(resp["Attributes"]) == ds.norm_item(attributes)


def test_update_item_return_values_on_a_new_item(tables):
    ddb = tables
    key = {"pk": S("rvnew-" + uid())}
    assert "Attributes" not in ddb.update_item(TableName=TABLE, Key=key, UpdateExpression="SET a = :v",
                                               ExpressionAttributeValues={":v": N(1)}, ReturnValues="ALL_OLD")
    key = {"pk": S("rvnew-" + uid())}
    assert "Attributes" not in ddb.update_item(TableName=TABLE, Key=key, UpdateExpression="SET a = :v",
                                               ExpressionAttributeValues={":v": N(1)}, ReturnValues="UPDATED_OLD")
    key = {"pk": S("rvnew-" + uid())}
    resp = ddb.update_item(TableName=TABLE, Key=key, UpdateExpression="SET a = :v",
                           ExpressionAttributeValues={":v": N(1)}, ReturnValues="ALL_NEW")
    assert resp["Attributes"] == dict(key, a=N(1))
    rejected(ddb, "update_item", VALIDATION, ENUM_RV % "DOG", TableName=TABLE, Key=key,
             UpdateExpression="SET a = :v", ExpressionAttributeValues={":v": N(2)}, ReturnValues="DOG")


# ---------------------------------------------------------------- ReturnValuesOnConditionCheckFailure

def test_return_values_on_condition_check_failure(tables, module_server):
    ddb = tables
    key = {"pk": S("rvccf-" + uid())}
    item = dict(key, s=S("dog"), n=N(1))
    ddb.put_item(TableName=TABLE, Item=item)
    cond = {"ConditionExpression": "s = :v", "ExpressionAttributeValues": {":v": S("rat")}}
    requests = (
        ("PutItem", dict(TableName=TABLE, Item=dict(key, s=S("cow")), **cond)),
        ("UpdateItem", dict(TableName=TABLE, Key=key, UpdateExpression="SET s = :w",
                            ConditionExpression="s = :v",
                            ExpressionAttributeValues={":v": S("rat"), ":w": S("cow")})),
        ("DeleteItem", dict(TableName=TABLE, Key=key, **cond)),
    )
    for op, payload in requests:
        # ALL_OLD: the item as it is, in the error.
        status, body = raw(module_server, op, dict(payload, ReturnValuesOnConditionCheckFailure="ALL_OLD"))
        assert status == 400 and raw_error(body) == (CCF, CCF_MESSAGE), (op, body)
        assert ds.norm_item(body["Item"]) == ds.norm_item(item), op
        # NONE (and absent): no Item.
        for extra in ({"ReturnValuesOnConditionCheckFailure": "NONE"}, {}):
            status, body = raw(module_server, op, dict(payload, **extra))
            assert status == 400 and raw_error(body) == (CCF, CCF_MESSAGE) and "Item" not in body, (op, body)
        # Values DynamoDB does not accept here (the enum's order in the message: not cross-checked).
        for bad in ("ALL_NEW", "UPDATED_OLD", "DUMMY"):
            status, body = raw(module_server, op, dict(payload, ReturnValuesOnConditionCheckFailure=bad))
            assert status == 400 and raw_error(body) == (
                VALIDATION, "1 validation error detected: Value '%s' at 'returnValuesOnConditionCheckFailure' "
                "failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]" % bad), body
        assert stored(ddb, key) == ds.norm_item(item)

    # A failed condition on a missing item returns no Item.
    missing = {"pk": S("rvccf-" + uid())}
    status, body = raw(module_server, "UpdateItem", {
        "TableName": TABLE, "Key": missing, "UpdateExpression": "SET s = :v",
        "ConditionExpression": "attribute_exists(s)",
        "ExpressionAttributeValues": {":v": S("x")}, "ReturnValuesOnConditionCheckFailure": "ALL_OLD"})
    assert status == 400 and raw_error(body) == (CCF, CCF_MESSAGE) and "Item" not in body, body
    assert stored(ddb, missing) is None

    # A condition that holds: ReturnValues decides, and there is no Item.
    status, body = raw(module_server, "UpdateItem", {
        "TableName": TABLE, "Key": key, "UpdateExpression": "SET s = :w", "ConditionExpression": "s = :v",
        "ExpressionAttributeValues": {":v": S("dog"), ":w": S("cow")},
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD", "ReturnValues": "UPDATED_OLD"})
    assert status == 200 and body == {"Attributes": {"s": {"S": "dog"}}}, body


# ---------------------------------------------------------------- ProjectionExpression

PROJ_ITEM = {
    "a": S("x"), "n": N(7), "l": L(N(10), S("eleven"), M(q=N(3), r=S("r"))),
    "m": M(k=M(deep=S("d"), alt=N(1)), c=L(N(7), N(8), N(9)), e=M()),
    "a.b": S("dotted"), "name": S("reserved"),
}

# (ProjectionExpression, ExpressionAttributeNames, the exact Item)
PROJECTIONS = [
    ("a", None, {"a": S("x")}),
    ("a, n, nothere", None, {"a": S("x"), "n": N(7)}),
    ("pk, a", None, {"a": S("x")}),                       # pk added by the test
    ("m.k.deep", None, {"m": M(k=M(deep=S("d")))}),
    ("m.k.deep, m.c", None, {"m": M(k=M(deep=S("d")), c=L(N(7), N(8), N(9)))}),
    ("m.e", None, {"m": M(e=M())}),
    ("l[1]", None, {"l": L(S("eleven"))}),
    ("l[2], l[0]", None, {"l": L(N(10), M(q=N(3), r=S("r")))}),   # in list order
    ("l[2].q", None, {"l": L(M(q=N(3)))}),
    ("m.c[2], m.k.alt", None, {"m": M(c=L(N(9)), k=M(alt=N(1)))}),
    ("l[5], m.nothere, a.b, n[0], a.x", None, {}),         # all missing: an empty Item
    ("#d", {"#d": "a.b"}, {"a.b": S("dotted")}),
    ("#n", {"#n": "name"}, {"name": S("reserved")}),
    ("#m.#k.deep", {"#m": "m", "#k": "k"}, {"m": M(k=M(deep=S("d")))}),
]


@pytest.mark.parametrize("proj,names,want", PROJECTIONS,
                         ids=["%d:%s" % (i, p[0]) for i, p in enumerate(PROJECTIONS)])
def test_projection_expression_shapes(tables, proj, names, want):
    ddb = tables
    key = {"pk": S("proj-" + uid())}
    ddb.put_item(TableName=TABLE, Item=dict(PROJ_ITEM, **key))
    kwargs = dict(TableName=TABLE, Key=key, ProjectionExpression=proj, ConsistentRead=True)
    if names:
        kwargs["ExpressionAttributeNames"] = names
    resp = ddb.get_item(**kwargs)
    if proj.startswith("pk"):
        want = dict(want, **key)
    assert "Item" in resp and ds.norm_item(resp["Item"]) == ds.norm_item(want)
    # A missing item: no Item at all.
    kwargs["Key"] = {"pk": S("proj-missing-" + uid())}
    assert "Item" not in ddb.get_item(**kwargs)


def test_projection_expression_errors(tables):
    ddb = tables
    key = {"pk": S("projerr-" + uid())}
    ddb.put_item(TableName=TABLE, Item=dict(PROJ_ITEM, **key))
    overlap = ("Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite "
               "one of these paths; path one: %s, path two: %s")
    for proj, extra, message in (
            ("m, m.k", {}, overlap % ("[m]", "[m, k]")),
            ("a, a", {}, overlap % ("[a]", "[a]")),
            ("name", {}, "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: name"),
            ("a,", {}, 'Invalid ProjectionExpression: Syntax error; token: "<EOF>", near: ","'),
            ("l[-1]", {}, 'Invalid ProjectionExpression: Syntax error; token: "-", near: "[-1"'),
            ("#a", {"ExpressionAttributeNames": {"#a": "a", "#b": "b"}},
             "Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}"),
            ("#x", {}, "Invalid ProjectionExpression: An expression attribute name used in the document path is "
                       "not defined; attribute name: #x"),
            ("m" + ".k" * 32, {},
             "Invalid ProjectionExpression: The document path has too many nesting levels; nesting levels: 33"),
            ("a", {"AttributesToGet": ["a"]}, MIXED % ("AttributesToGet", "ProjectionExpression"))):
        rejected(ddb, "get_item", VALIDATION, message, TableName=TABLE, Key=key, ProjectionExpression=proj, **extra)


def test_projection_list_index_out_of_range(tables):
    ddb = tables
    key = {"pk": S("projidx-" + uid())}
    ddb.put_item(TableName=TABLE, Item=dict(key, a=L(N(1))))
    msg = ds.assert_error(ddb.get_item, VALIDATION, TableName=TABLE, Key=key, ProjectionExpression="a[99999999999999]")
    assert msg == "Invalid ProjectionExpression: List index is not within the allowable range; index: [99999999999999]"


# ---------------------------------------------------------------- legacy parameters

# (Expected, ConditionalOperator or None, holds?) against {n: 5, s: "hello", ss: {a, b}, l: [1]}
LEGACY_ITEM = {"n": N(5), "s": S("hello"), "ss": {"SS": ["a", "b"]}, "l": L(N(1))}
EXPECTED = [
    ({"n": {"Value": N(5)}}, None, True),
    ({"n": {"Value": N(6)}}, None, False),
    ({"n": {"Exists": True, "Value": N(5)}}, None, True),
    ({"x": {"Exists": False}}, None, True),
    ({"n": {"Exists": False}}, None, False),
    ({"n": {"ComparisonOperator": "EQ", "AttributeValueList": [N(5)]}}, None, True),
    ({"n": {"ComparisonOperator": "NE", "AttributeValueList": [N(5)]}}, None, False),
    ({"n": {"ComparisonOperator": "LT", "AttributeValueList": [N(6)]}}, None, True),
    ({"n": {"ComparisonOperator": "LE", "AttributeValueList": [N(4)]}}, None, False),
    ({"n": {"ComparisonOperator": "GT", "AttributeValueList": [N(4)]}}, None, True),
    ({"n": {"ComparisonOperator": "GE", "AttributeValueList": [N(6)]}}, None, False),
    ({"n": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [N(1), N(5)]}}, None, True),
    ({"n": {"ComparisonOperator": "IN", "AttributeValueList": [N(4), N(5)]}}, None, True),
    ({"s": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [S("he")]}}, None, True),
    ({"s": {"ComparisonOperator": "CONTAINS", "AttributeValueList": [S("ll")]}}, None, True),
    ({"ss": {"ComparisonOperator": "CONTAINS", "AttributeValueList": [S("c")]}}, None, False),
    ({"ss": {"ComparisonOperator": "NOT_CONTAINS", "AttributeValueList": [S("c")]}}, None, True),
    ({"x": {"ComparisonOperator": "NULL"}}, None, True),
    ({"n": {"ComparisonOperator": "NOT_NULL"}}, None, True),
    ({"n": {"ComparisonOperator": "NULL"}}, None, False),
    ({"n": {"Value": N(5)}, "s": {"Value": S("x")}}, None, False),          # AND by default
    ({"n": {"Value": N(5)}, "s": {"Value": S("x")}}, "AND", False),
    ({"n": {"Value": N(5)}, "s": {"Value": S("x")}}, "OR", True),
    ({"n": {"Value": N(6)}, "s": {"Value": S("x")}}, "OR", False),
]


@pytest.mark.parametrize("expected,operator,holds", EXPECTED, ids=[str(i) for i in range(len(EXPECTED))])
def test_legacy_expected(tables, expected, operator, holds):
    ddb = tables
    key = {"pk": S("exp-" + uid())}
    ddb.put_item(TableName=TABLE, Item=dict(LEGACY_ITEM, **key))
    kwargs = dict(TableName=TABLE, Item=dict(key, v=S("new")), Expected=expected)
    if operator:
        kwargs["ConditionalOperator"] = operator
    if holds:
        ddb.put_item(**kwargs)
        assert stored(ddb, key) == dict(key, v=S("new"))
    else:
        rejected(ddb, "put_item", CCF, CCF_MESSAGE, **kwargs)


def test_legacy_expected_errors(tables):
    ddb = tables
    key = {"pk": S("experr-" + uid())}
    ddb.put_item(TableName=TABLE, Item=dict(LEGACY_ITEM, **key))
    invalid = "One or more parameter values were invalid: "
    for expected, message in (
            ({"n": {"ComparisonOperator": "EQ"}},
             invalid + "Value or AttributeValueList must be used with ComparisonOperator: EQ for Attribute: n"),
            ({"n": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [N(1)]}},
             invalid + "Invalid number of argument(s) for the BETWEEN ComparisonOperator"),
            ({"n": {"Exists": True}}, invalid + "Value must be provided when Exists is true for Attribute: n"),
            ({"n": {"Exists": False, "Value": N(5)}},
             invalid + "Value cannot be used when Exists is false for Attribute: n")):
        rejected(ddb, "update_item", VALIDATION, message, TableName=TABLE, Key=key, Expected=expected,
                 AttributeUpdates={"v": {"Action": "PUT", "Value": N(1)}})


def test_legacy_attribute_updates(tables):
    ddb = tables
    key = {"pk": S("au-" + uid())}
    ddb.put_item(TableName=TABLE, Item=dict(key, n=N(5), ss={"SS": ["a", "b"]}, gone=S("x"), keep=S("k")))
    resp = ddb.update_item(TableName=TABLE, Key=key, ReturnValues="ALL_NEW", AttributeUpdates={
        "n": {"Action": "ADD", "Value": N(2)},
        "ss": {"Action": "ADD", "Value": {"SS": ["c"]}},
        "gone": {"Action": "DELETE"},
        "p": {"Action": "PUT", "Value": M(x=N(1))},
        "fresh": {"Action": "ADD", "Value": N(3)}})
    want = dict(key, n=N(7), ss={"SS": ["a", "b", "c"]}, keep=S("k"), p=M(x=N(1)), fresh=N(3))
    assert ds.norm_item(resp["Attributes"]) == ds.norm_item(want)
    resp = ddb.update_item(TableName=TABLE, Key=key, ReturnValues="UPDATED_OLD", AttributeUpdates={
        "ss": {"Action": "DELETE", "Value": {"SS": ["a", "c"]}}})
    assert ds.norm_item(resp["Attributes"]) == {"ss": {"SS": ["a", "b", "c"]}}
    want["ss"] = {"SS": ["b"]}
    assert stored(ddb, key) == ds.norm_item(want)
    # Conditional, with Expected.
    rejected(ddb, "update_item", CCF, CCF_MESSAGE, TableName=TABLE, Key=key, Expected={"n": {"Value": N(0)}},
             AttributeUpdates={"n": {"Action": "PUT", "Value": N(0)}})
    invalid = "One or more parameter values were invalid: "
    for updates, message in (
            ({"n": {"Action": "ADD", "Value": S("x")}}, invalid + "ADD action is not supported for the type S"),
            ({"n": {"Action": "DELETE", "Value": N(1)}},
             invalid + "DELETE action with value is not supported for the type N"),
            ({"n": {"Action": "PUT"}}, invalid + "Only DELETE action is allowed when no attribute value is specified")):
        rejected(ddb, "update_item", VALIDATION, message, TableName=TABLE, Key=key, AttributeUpdates=updates)
    # DELETE on a missing item does not create it.
    missing = {"pk": S("au-" + uid())}
    ddb.update_item(TableName=TABLE, Key=missing, AttributeUpdates={"a": {"Action": "DELETE"}})
    assert stored(ddb, missing) is None


def test_legacy_attributes_to_get(tables):
    ddb = tables
    key = {"pk": S("atg-" + uid())}
    ddb.put_item(TableName=TABLE, Item=dict(key, a=N(1), b=M(c=N(2)), d=S("d")))
    resp = ddb.get_item(TableName=TABLE, Key=key, AttributesToGet=["a", "b", "nothere"], ConsistentRead=True)
    assert resp["Item"] == {"a": N(1), "b": M(c=N(2))}
    resp = ddb.get_item(TableName=TABLE, Key=key, AttributesToGet=["nothere"], ConsistentRead=True)
    assert resp["Item"] == {}
    ds.assert_error(ddb.get_item, VALIDATION, "One or more parameter values were invalid: Duplicate value in "
                    "attribute name: a", TableName=TABLE, Key=key, AttributesToGet=["a", "a"])


def test_mixing_legacy_and_expression_parameters(tables):
    ddb = tables
    key = {"pk": S("mix-" + uid())}
    ddb.put_item(TableName=TABLE, Item=dict(key, a=N(1)))
    v = {":v": N(1)}
    cases = (
        ("put_item", dict(Item=dict(key, a=N(2)), ConditionExpression="a = :v", ExpressionAttributeValues=v,
                          Expected={"a": {"Value": N(1)}}), MIXED % ("Expected", "ConditionExpression")),
        ("put_item", dict(Item=dict(key, a=N(2)), ConditionExpression="a = :v", ExpressionAttributeValues=v,
                          ConditionalOperator="OR"), MIXED % ("ConditionalOperator", "ConditionExpression")),
        ("update_item", dict(Key=key, UpdateExpression="SET a = :v", ExpressionAttributeValues=v,
                             AttributeUpdates={"a": {"Action": "PUT", "Value": N(3)}}),
         MIXED % ("AttributeUpdates", "UpdateExpression")),
        ("update_item", dict(Key=key, UpdateExpression="SET a = :v", ExpressionAttributeValues=v,
                             Expected={"a": {"Value": N(1)}}), MIXED % ("Expected", "UpdateExpression")),
        ("delete_item", dict(Key=key, ConditionExpression="a = :v", ExpressionAttributeValues=v,
                             Expected={"a": {"Value": N(1)}}), MIXED % ("Expected", "ConditionExpression")),
        ("put_item", dict(Item=dict(key, a=N(2)), Expected={"a": {"Value": N(1)}}, ExpressionAttributeValues=v),
         "ExpressionAttributeValues can only be specified when using expressions: ConditionExpression is null"),
        ("put_item", dict(Item=dict(key, a=N(2)), ExpressionAttributeNames={"#a": "a"}),
         "ExpressionAttributeNames can only be specified when using expressions"),
        ("put_item", dict(Item=dict(key, a=N(2)), ConditionalOperator="OR"),
         "ConditionalOperator cannot be used without Filter or Expected"),
    )
    for op, kwargs, message in cases:
        rejected(ddb, op, VALIDATION, message, TableName=TABLE, **kwargs)
    assert stored(ddb, key) == dict(key, a=N(1))


# ---------------------------------------------------------------- ReturnConsumedCapacity

def sized_item(key, size_bytes):
    """An item of exactly size_bytes in DynamoDB's accounting: for each attribute
    the UTF-8 bytes of its name plus those of its (string) value."""
    base = sum(len(k) + len(v["S"]) for k, v in key.items()) + len("filler")
    assert size_bytes >= base
    return dict(key, filler=S("x" * (size_bytes - base)))


def units(resp):
    cc = resp["ConsumedCapacity"]
    assert cc["TableName"] == TABLE
    return cc["CapacityUnits"]


def test_consumed_capacity_writes(tables):
    ddb = tables
    key = {"pk": S("wcu-" + uid())}
    # PutItem: 1 unit per started KB of the item.
    for size, want in ((100, 1.0), (1024, 1.0), (1025, 2.0), (2048, 2.0), (2049, 3.0)):
        ddb.delete_item(TableName=TABLE, Key=key)
        resp = ddb.put_item(TableName=TABLE, Item=sized_item(key, size), ReturnConsumedCapacity="TOTAL")
        assert units(resp) == want, size
    # NONE, or nothing asked: no ConsumedCapacity.
    resp = ddb.put_item(TableName=TABLE, Item=sized_item(key, 100), ReturnConsumedCapacity="NONE")
    assert "ConsumedCapacity" not in resp
    assert "ConsumedCapacity" not in ddb.put_item(TableName=TABLE, Item=sized_item(key, 100))
    # UpdateItem: the larger of the item before and after.
    ddb.put_item(TableName=TABLE, Item=sized_item(key, 3000))
    resp = ddb.update_item(TableName=TABLE, Key=key, UpdateExpression="SET filler = :v",
                           ExpressionAttributeValues={":v": S("y")}, ReturnConsumedCapacity="TOTAL")
    assert units(resp) == 3.0
    resp = ddb.update_item(TableName=TABLE, Key=key, UpdateExpression="SET filler = :v",
                           ExpressionAttributeValues={":v": S("y" * 2100)}, ReturnConsumedCapacity="TOTAL")
    assert units(resp) == 3.0
    # A conditional PutItem over a larger item, and a conditional DeleteItem: the larger item.
    resp = ddb.put_item(TableName=TABLE, Item=sized_item(key, 100), ReturnConsumedCapacity="TOTAL",
                        ConditionExpression="attribute_exists(filler)")
    assert units(resp) == 3.0
    ddb.put_item(TableName=TABLE, Item=sized_item(key, 3000))
    resp = ddb.delete_item(TableName=TABLE, Key=key, ReturnConsumedCapacity="TOTAL",
                           ConditionExpression="attribute_exists(filler)")
    assert units(resp) == 3.0
    # Deleting nothing, or updating a missing item, costs 1.
    assert units(ddb.delete_item(TableName=TABLE, Key=key, ReturnConsumedCapacity="TOTAL")) == 1.0
    key2 = {"pk": S("wcu-" + uid())}
    resp = ddb.update_item(TableName=TABLE, Key=key2, UpdateExpression="SET a = :v",
                           ExpressionAttributeValues={":v": N(1)}, ReturnConsumedCapacity="TOTAL")
    assert units(resp) == 1.0


def test_consumed_capacity_reads(tables):
    ddb = tables
    key = {"pk": S("rcu-" + uid())}
    # GetItem: 1 unit per started 4 KB; eventually consistent at half. A projection does not reduce it.
    for size, strong in ((100, 1.0), (4096, 1.0), (4097, 2.0), (8192, 2.0), (8193, 3.0)):
        ddb.put_item(TableName=TABLE, Item=sized_item(key, size))
        resp = ddb.get_item(TableName=TABLE, Key=key, ConsistentRead=True, ReturnConsumedCapacity="TOTAL")
        assert units(resp) == strong, size
        resp = ddb.get_item(TableName=TABLE, Key=key, ReturnConsumedCapacity="TOTAL")
        assert units(resp) == strong / 2, size
        resp = ddb.get_item(TableName=TABLE, Key=key, ConsistentRead=True, ReturnConsumedCapacity="TOTAL",
                            ProjectionExpression="pk")
        assert resp["Item"] == key and units(resp) == strong, size
    # A missing item costs as a 0-byte one.
    missing = {"pk": S("rcu-" + uid())}
    assert units(ddb.get_item(TableName=TABLE, Key=missing, ConsistentRead=True, ReturnConsumedCapacity="TOTAL")) == 1.0
    assert units(ddb.get_item(TableName=TABLE, Key=missing, ReturnConsumedCapacity="TOTAL")) == 0.5
    assert "ConsumedCapacity" not in ddb.get_item(TableName=TABLE, Key=key, ReturnConsumedCapacity="NONE")
    # Query: the items' sizes are added, then rounded up to 4 KB.
    pk = S("rcuq-" + uid())
    for sk in (1, 2):
        ddb.put_item(TableName=TABLE_HR, Item={"pk": pk, "sk": N(sk), "filler": S("x" * 3000)})
    for consistent, want in ((True, 2.0), (False, 1.0)):
        resp = ddb.query(TableName=TABLE_HR, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": pk},
                         ConsistentRead=consistent, ReturnConsumedCapacity="TOTAL")
        assert resp["Count"] == 2
        assert resp["ConsumedCapacity"] == {"TableName": TABLE_HR, "CapacityUnits": want}


def test_consumed_capacity_indexes(tables):
    """INDEXES on a table without indexes: the total, and the same again under "Table"."""
    ddb = tables
    key = {"pk": S("idx-" + uid())}
    calls = (
        lambda: ddb.put_item(TableName=TABLE, Item=sized_item(key, 1500), ReturnConsumedCapacity="INDEXES"),
        lambda: ddb.get_item(TableName=TABLE, Key=key, ConsistentRead=True, ReturnConsumedCapacity="INDEXES"),
        lambda: ddb.update_item(TableName=TABLE, Key=key, UpdateExpression="SET a = :v",
                                ExpressionAttributeValues={":v": N(1)}, ReturnConsumedCapacity="INDEXES"),
        lambda: ddb.delete_item(TableName=TABLE, Key=key, ReturnValues="ALL_OLD", ReturnConsumedCapacity="INDEXES"),
    )
    for call, want in zip(calls, (2.0, 1.0, 2.0, 2.0)):
        assert call()["ConsumedCapacity"] == {"TableName": TABLE, "CapacityUnits": want,
                                              "Table": {"CapacityUnits": want}}
    ds.assert_error(ddb.get_item, VALIDATION, "1 validation error detected: Value 'ALL' at 'returnConsumedCapacity' "
                    "failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]",
                    TableName=TABLE, Key=key, ReturnConsumedCapacity="ALL")


def test_consumed_capacity_indexes_query_scan(tables):
    ddb = tables
    resp = ddb.query(TableName=TABLE, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": S("none")},
                     ReturnConsumedCapacity="INDEXES")
    assert resp["ConsumedCapacity"]["Table"] == {"CapacityUnits": resp["ConsumedCapacity"]["CapacityUnits"]}
    resp = ddb.scan(TableName=TABLE, Limit=1, ReturnConsumedCapacity="INDEXES")
    assert resp["ConsumedCapacity"]["Table"] == {"CapacityUnits": resp["ConsumedCapacity"]["CapacityUnits"]}


def test_consumed_capacity_blind_put_over_larger_item(tables):
    ddb = tables
    key = {"pk": S("blindput-" + uid())}
    ddb.put_item(TableName=TABLE, Item=sized_item(key, 3000))
    assert units(ddb.put_item(TableName=TABLE, Item=sized_item(key, 100), ReturnConsumedCapacity="TOTAL")) == 3.0


def test_consumed_capacity_blind_delete_of_large_item(tables):
    ddb = tables
    key = {"pk": S("blinddel-" + uid())}
    ddb.put_item(TableName=TABLE, Item=sized_item(key, 3000))
    assert units(ddb.delete_item(TableName=TABLE, Key=key, ReturnConsumedCapacity="TOTAL")) == 3.0


def test_return_item_collection_metrics_without_local_indexes(tables):
    ddb = tables
    key = {"pk": S("icm-" + uid())}
    resp = ddb.put_item(TableName=TABLE, Item=dict(key, a=N(1)), ReturnItemCollectionMetrics="SIZE")
    assert "ItemCollectionMetrics" not in resp
    resp = ddb.update_item(TableName=TABLE, Key=key, UpdateExpression="SET a = :v",
                           ExpressionAttributeValues={":v": N(2)}, ReturnItemCollectionMetrics="SIZE")
    assert "ItemCollectionMetrics" not in resp


def create_table_with_a_local_index(ddb, name):
    """Key pk (S) and sk (N); local index by_l on l (N), all attributes."""
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                           {"AttributeName": "sk", "AttributeType": "N"},
                                           {"AttributeName": "l", "AttributeType": "N"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                {"AttributeName": "sk", "KeyType": "RANGE"}],
                     LocalSecondaryIndexes=[{"IndexName": "by_l",
                                             "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                                           {"AttributeName": "l", "KeyType": "RANGE"}],
                                             "Projection": {"ProjectionType": "ALL"}}])


def test_return_item_collection_metrics_with_a_local_index(tables):
    # DynamoDB answers ItemCollectionMetrics for a table with a local index:
    # the partition key and an estimate of the collection's size, in GB
    # (a test collection is well under 1 GB: [0.0, 1.0]).
    ddb = tables
    name = "icm_lsi_" + uid()
    create_table_with_a_local_index(ddb, name)
    want = {"ItemCollectionKey": {"pk": S("c")}, "SizeEstimateRangeGB": [Decimal(0), Decimal(1)]}
    key = {"pk": S("c"), "sk": N(1)}
    resp = ddb.put_item(TableName=name, Item=dict(key, l=N(5)), ReturnItemCollectionMetrics="SIZE")
    assert resp["ItemCollectionMetrics"] == want
    resp = ddb.update_item(TableName=name, Key=key, UpdateExpression="SET l = :v",
                           ExpressionAttributeValues={":v": N(6)}, ReturnItemCollectionMetrics="SIZE")
    assert resp["ItemCollectionMetrics"] == want
    resp = ddb.delete_item(TableName=name, Key=key, ReturnItemCollectionMetrics="SIZE")
    assert resp["ItemCollectionMetrics"] == want
    # NONE, or not asked for: no metrics.
    assert "ItemCollectionMetrics" not in ddb.put_item(TableName=name, Item=dict(key, l=N(5)),
                                                       ReturnItemCollectionMetrics="NONE")
    assert "ItemCollectionMetrics" not in ddb.put_item(TableName=name, Item=dict(key, l=N(5)))
    ddb.delete_table(TableName=name)


def test_item_collection_metrics_of_batches_and_transactions(tables):
    # BatchWriteItem and TransactWriteItems answer ItemCollectionMetrics as
    # a map from table to the item collections written, each once; a table
    # without a local index (TABLE here) has none, nor has a ConditionCheck.
    ddb = tables
    name = "icm_batch_" + uid()
    create_table_with_a_local_index(ddb, name)

    def metric(pk):
        return {"ItemCollectionKey": {"pk": S(pk)}, "SizeEstimateRangeGB": [Decimal(0), Decimal(1)]}

    other = "icm-other-" + uid()
    resp = ddb.batch_write_item(ReturnItemCollectionMetrics="SIZE", RequestItems={
        name: [{"PutRequest": {"Item": {"pk": S("c"), "sk": N(1), "l": N(1)}}},
               {"PutRequest": {"Item": {"pk": S("d"), "sk": N(1)}}},
               {"PutRequest": {"Item": {"pk": S("c"), "sk": N(2), "l": N(2)}}},
               {"DeleteRequest": {"Key": {"pk": S("e"), "sk": N(1)}}}],
        TABLE: [{"PutRequest": {"Item": {"pk": S(other)}}}]})
    assert resp["UnprocessedItems"] == {}
    assert resp["ItemCollectionMetrics"] == {name: [metric("c"), metric("d"), metric("e")]}
    resp = ddb.batch_write_item(RequestItems={name: [{"DeleteRequest": {"Key": {"pk": S("d"), "sk": N(1)}}}]})
    assert "ItemCollectionMetrics" not in resp
    resp = ddb.batch_write_item(ReturnItemCollectionMetrics="SIZE",
                                RequestItems={TABLE: [{"DeleteRequest": {"Key": {"pk": S(other)}}}]})
    assert "ItemCollectionMetrics" not in resp

    resp = ddb.transact_write_items(ReturnItemCollectionMetrics="SIZE", TransactItems=[
        {"Put": {"TableName": name, "Item": {"pk": S("f"), "sk": N(1), "l": N(3)}}},
        {"Update": {"TableName": name, "Key": {"pk": S("c"), "sk": N(1)}, "UpdateExpression": "SET l = :v",
                    "ExpressionAttributeValues": {":v": N(9)}}},
        {"Delete": {"TableName": name, "Key": {"pk": S("f"), "sk": N(2)}}},
        {"ConditionCheck": {"TableName": name, "Key": {"pk": S("g"), "sk": N(1)},
                            "ConditionExpression": "attribute_not_exists(pk)"}},
        {"Put": {"TableName": TABLE, "Item": {"pk": S(other)}}}])
    assert resp["ItemCollectionMetrics"] == {name: [metric("f"), metric("c")]}
    resp = ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": name, "Item": {"pk": S("f"), "sk": N(3)}}}])
    assert "ItemCollectionMetrics" not in resp
    ddb.delete_table(TableName=name)


def test_return_item_collection_metrics_enum(tables):
    ddb = tables
    rejected(ddb, "put_item", VALIDATION, "1 validation error detected: Value 'BAD' at 'returnItemCollectionMetrics' "
             "failed to satisfy constraint: Member must satisfy enum value set: [SIZE, NONE]",
             TableName=TABLE, Item={"pk": S("icm-" + uid())}, ReturnItemCollectionMetrics="BAD")


# ---------------------------------------------------------------- attribute names in updates

def test_empty_attribute_name_in_attribute_updates(tables):
    ddb = tables
    key = {"pk": S("emptyname-" + uid())}
    ddb.put_item(TableName=TABLE, Item=dict(key, a=N(1)))
    msg = rejected(ddb, "update_item", VALIDATION, None, TableName=TABLE, Key=key,
                   AttributeUpdates={"": {"Action": "PUT", "Value": N(2)}})
    assert "Empty attribute name" in msg, msg


def test_too_long_attribute_name_in_update_expression(tables):
    ddb = tables
    key = {"pk": S("longname-" + uid())}
    ddb.put_item(TableName=TABLE, Item=dict(key, a=N(1)))
    msg = rejected(ddb, "update_item", VALIDATION, None, TableName=TABLE, Key=key, UpdateExpression="SET #n = :v",
                   ExpressionAttributeNames={"#n": "b" * 65537}, ExpressionAttributeValues={":v": N(2)})
    assert "65535" in msg or "65536" in msg, msg
