"""exportlib.py — what the export tests share: the export mutation, and an
export's JSON form turned back into N-Quad lines (lit() spells objects as
cairn stores them)."""
import json

from cairnlib import expect, http, lit

QUERY = ("mutation($in: ExportInput!) { export(input: $in) "
         "{ response { code message } exportedFiles taskId } }")


def export(alpha, destination, fmt=None, **creds):
    """Runs the export mutation; returns the parsed GraphQL response."""
    inp = {"destination": destination}
    if fmt:
        inp["format"] = fmt
    inp.update(creds)
    st, out = alpha.admin(QUERY, {"in": inp})
    expect(st == 200, (st, out))
    return out


def export_ok(alpha, destination, fmt=None, **creds):
    out = export(alpha, destination, fmt, **creds)
    expect("errors" not in out, out)
    p = out["data"]["export"]
    expect(p["response"]["code"] == "Success" and p["taskId"].startswith("0x"), p)
    expect(p["exportedFiles"][-1].endswith("/export.json"), p)
    return p


def raw_export(alpha, read_ts):
    """GET /export's bytes as sent (the store's key order, unsorted)."""
    st, out = http("GET", alpha.url + "/export?format=rdf&read_ts=%d" % read_ts,
                   headers=alpha.headers(), timeout=300)
    expect(st == 200, (st, out[:500]))
    return out


def _object_text(v, lang):
    if isinstance(v, dict):
        expect(list(v) == ["uid"], v)
        return "<%s>" % v["uid"]
    if isinstance(v, bool):
        return lit("true" if v else "false", typ="xs:boolean")
    if isinstance(v, int):
        return lit(str(v), typ="xs:int")
    if isinstance(v, float):
        return lit(repr(v), typ="xs:float")
    return lit(v, lang=lang)


def json_to_lines(data):
    """Dgraph's JSON export form back to N-Quad lines (a sorted list)."""
    expect(isinstance(data, list), type(data))
    lines = []
    for obj in data:
        s = obj["uid"]
        for key, val in obj.items():
            if key == "uid":
                continue
            pred, _, lang = key.partition("@")
            for v in val if isinstance(val, list) else [val]:
                lines.append("<%s> <%s> %s .\n" % (s, pred, _object_text(v, lang or None)))
    return sorted(lines)


def loads(data):
    return json.loads(data.decode("utf-8"))
