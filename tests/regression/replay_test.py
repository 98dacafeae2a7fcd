#!/usr/bin/python3
"""WSDL-driven regression tests: golden cases replayed against the running adapter.

For every WSDL in wsdl/ there is a suite tests/fixtures/<WSDL name>/, and in it one
folder per case:

  case.json        {"operation": ..., "fault": ... (optional), "face": "json" | "soap11" | "soap12",
                    "description": ..., "headers": {...} (optional),
                    "request_valid": false (optional: a request that breaks the schema on purpose)}
  request.json     what is POSTed to the JSON face (sent byte for byte), or
  request.xml      the SOAP envelope POSTed to /soap
  backend.golden   each backend exchange in order: what the simulated work-order system or
                   MIDAS received and what it answered (normalised)
  response.golden  the adapter's answer: status line, content type, normalised body

The simulators run as their own process (voip-migration-sim) behind a recording
proxy, and the adapter is pointed at the proxy, so each exchange is seen on the
wire; the simulators' triggers choose each outcome.
Volatile values (order numbers, update references, generated correlation ids) are
numbered in order of appearance within a case, so a golden still shows that the
order number MIDAS got is the one the consumer got. Every SOAP message of the
exchange is validated against its WSDL's schema with xmllint.

The suite FAILS when a WSDL has an operation, or an operation has a declared fault,
that no case covers, and when a case names one that no WSDL has.

usage: replay_test.py ADAPTER_BINARY SIM_BINARY WSDL_DIR FIXTURES_DIR [--update] [CASE_FILTER]
  --update   (re)write the .golden files from what happened, instead of comparing
"""
import difflib
import glob
import json
import os
import re
import sys
import tempfile

from lxml import etree

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support", "py"))
from adapter_process import Adapter, Simulators, http  # noqa: E402
from recording_proxy import RecordingProxy  # noqa: E402
from schema_check import SchemaError, WsdlSchema  # noqa: E402

WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
FACES = {
    "json": ("/CreateVOIPMigrationWorkOrder", {"Content-Type": "application/json"}),
    "soap11": ("/soap", {"Content-Type": "text/xml; charset=utf-8",
                         "SOAPAction": '"http://schemas.cableco.example/spm/voip-migration/v1/'
                                       'CreateVOIPMigrationWorkOrder"'}),
    "soap12": ("/soap", {"Content-Type": 'application/soap+xml; charset=utf-8; action="http://schemas.'
                                         'cableco.example/spm/voip-migration/v1/CreateVOIPMigrationWorkOrder"'}),
}
ADAPTER_WSDL = "VOIPMigrationWorkOrder"
BACKEND_WSDLS = {"/workorder": "WorkOrderService", "/midas": "MidasCustomerService"}
TIMEOUT_MS = 500   # the adapter's backend time-outs
SLOW_MS = 1500     # how long the simulators' slow triggers wait


def contract_items(wsdl_dir):
    """{suite: {(operation, fault-or-None)}} for every portType operation and declared fault."""
    items = {}
    for path in sorted(glob.glob(os.path.join(wsdl_dir, "*.wsdl"))):
        suite = os.path.splitext(os.path.basename(path))[0]
        found = set()
        for operation in etree.parse(path).iterfind(f"{{{WSDL_NS}}}portType/{{{WSDL_NS}}}operation"):
            name = operation.get("name")
            found.add((name, None))
            for fault in operation.iterfind(f"{{{WSDL_NS}}}fault"):
                found.add((name, fault.get("name")))
        items[suite] = found
    return items


def load_cases(fixtures_dir):
    cases = []
    for case_file in sorted(glob.glob(os.path.join(fixtures_dir, "*", "*", "case.json"))):
        folder = os.path.dirname(case_file)
        with open(case_file, encoding="utf-8") as f:
            case = json.load(f)
        case["suite"] = os.path.basename(os.path.dirname(folder))
        case["name"] = case["suite"] + "/" + os.path.basename(folder)
        case["folder"] = folder
        cases.append(case)
    return cases


def coverage_problems(items, cases):
    problems = []
    covered = {(c["suite"], c.get("operation"), c.get("fault")) for c in cases}
    for suite, wanted in sorted(items.items()):
        for operation, fault in sorted(wanted, key=lambda i: (i[0], i[1] or "")):
            if (suite, operation, fault) not in covered:
                what = f"fault {fault} of operation {operation}" if fault else f"operation {operation}"
                problems.append(f"{suite}.wsdl: {what} has no golden case under tests/fixtures/{suite}/")
    for case in cases:
        if case["suite"] not in items:
            problems.append(f"{case['name']}: no wsdl/{case['suite']}.wsdl for this suite")
        elif (case.get("operation"), case.get("fault")) not in items[case["suite"]]:
            problems.append(f"{case['name']}: {case['suite']}.wsdl has no operation "
                            f"{case.get('operation')!r} with fault {case.get('fault')!r}")
        if case.get("face") not in FACES:
            problems.append(f"{case['name']}: face must be one of {sorted(FACES)}")
    return problems


class Normaliser:
    """Replaces volatile values by numbered placeholders, consistently within one case."""

    PATTERNS = [("order-number", re.compile(r"\bWO\d{10}\b")),
                ("update-reference", re.compile(r"\bUPD\d{10}\b")),
                ("correlation-id", re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\b"))]

    def __init__(self):
        self._seen = {}

    def __call__(self, text):
        for label, pattern in self.PATTERNS:
            def placeholder(match, label=label):
                key = (label, match.group(0))
                if key not in self._seen:
                    self._seen[key] = sum(1 for k in self._seen if k[0] == label) + 1
                return f"<{label}-{self._seen[key]}>"
            text = pattern.sub(placeholder, text)
        return text


def pretty_xml(raw):
    try:
        parser = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True)
        return etree.tostring(etree.fromstring(raw, parser), pretty_print=True, encoding="unicode")
    except etree.XMLSyntaxError:
        return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw


def pretty_body(content_type, raw):
    if "json" in content_type:
        try:
            return json.dumps(json.loads(raw), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        except ValueError:
            pass
    if "xml" in content_type:
        return pretty_xml(raw)
    return raw.decode("utf-8", "replace") + "\n"


class Replayer:
    def __init__(self, adapter, proxy, schemas):
        self.adapter, self.proxy, self.schemas = adapter, proxy, schemas

    def run(self, case):
        """Replays one case; returns (backend text, response text, schema problems)."""
        path, headers = FACES[case["face"]]
        headers = {**headers, **case.get("headers", {})}
        request_file = os.path.join(case["folder"], "request.json" if case["face"] == "json" else "request.xml")
        with open(request_file, "rb") as f:
            request = f.read()
        problems = []
        if case["face"] != "json" and case.get("request_valid", True):
            problems += self._validate(ADAPTER_WSDL, request, "the case's request")
        self.proxy.take()
        status, response_headers, body = http("POST", self.adapter.base + path, request, headers)
        normalise = Normaliser()
        backend = []
        for exchange in self.proxy.take(timeout_s=SLOW_MS / 1000 + 10):
            wsdl = BACKEND_WSDLS.get(exchange.path, exchange.path)
            if wsdl in self.schemas:
                problems += self._validate(wsdl, exchange.request, f"the adapter's request to {wsdl}")
            action = next((v for k, v in exchange.headers.items() if k.lower() == "soapaction"), "(none)")
            backend.append(f"== {wsdl} received POST {exchange.path}, SOAPAction {action} ==\n"
                           + pretty_xml(exchange.request)
                           + f"-- {wsdl} answered HTTP {exchange.status}, Content-Type: {exchange.content_type} --\n"
                           + pretty_body(exchange.content_type, exchange.response))
        backend_text = normalise("".join(backend) or "== no backend was called ==\n")
        content_type = response_headers.get("Content-Type", "")
        if case["face"] != "json":
            problems += self._validate(ADAPTER_WSDL, body, "the adapter's answer", allow_plain_fault=True)
        response_text = normalise(f"HTTP {status}\nContent-Type: {content_type}\n\n"
                                  + pretty_body(content_type, body))
        return backend_text, response_text, problems

    def _validate(self, wsdl, raw, what, allow_plain_fault=False):
        try:
            self.schemas[wsdl].validate_envelope(raw, what)
        except SchemaError as error:
            if allow_plain_fault and "a SOAP Fault without detail" in str(error):
                return []  # the adapter's WSDL declares no fault details: a plain SOAP Fault is allowed
            return [str(error)]
        return []


def compare(case, name, actual, update):
    golden_path = os.path.join(case["folder"], name)
    if update:
        with open(golden_path, "w", encoding="utf-8") as f:
            f.write(actual)
        return []
    try:
        with open(golden_path, encoding="utf-8") as f:
            expected = f.read()
    except FileNotFoundError:
        return [f"{golden_path} is missing (run with --update to write it, then review it)"]
    if expected == actual:
        return []
    diff = difflib.unified_diff(expected.splitlines(keepends=True), actual.splitlines(keepends=True),
                                fromfile=f"{case['name']}/{name} (golden)", tofile=f"{case['name']}/{name} (now)")
    return ["".join(diff)]


def main(argv):
    update = "--update" in argv
    args = [a for a in argv if a != "--update"]
    adapter_binary, sim_binary, wsdl_dir, fixtures_dir = args[:4]
    case_filter = args[4] if len(args) > 4 else ""
    items = contract_items(wsdl_dir)
    cases = load_cases(fixtures_dir)
    failures = 0
    problems = coverage_problems(items, cases)
    for problem in problems:
        print("FAIL coverage: " + problem)
    failures += len(problems)
    selected = [c for c in cases if case_filter in c["name"] and c.get("face") in FACES]
    with tempfile.TemporaryDirectory() as workdir:
        schemas = {name: WsdlSchema(os.path.join(wsdl_dir, name + ".wsdl"), workdir) for name in items}
        with Simulators(sim_binary, "--slow-ms", str(SLOW_MS)) as simulators, \
                RecordingProxy(simulators.base) as proxy, \
                Adapter(adapter_binary, "--workorder-url", proxy.base + "/workorder", "--midas-url",
                        proxy.base + "/midas", "--workorder-timeout-ms", str(TIMEOUT_MS),
                        "--midas-timeout-ms", str(TIMEOUT_MS),
                        "--auth", "none") as adapter:  # caller auth: tests/integration/caller_auth_test.cc
            replayer = Replayer(adapter, proxy, schemas)
            for case in selected:
                backend_text, response_text, case_problems = replayer.run(case)
                case_problems += compare(case, "backend.golden", backend_text, update)
                case_problems += compare(case, "response.golden", response_text, update)
                print(("ok   " if not case_problems else "FAIL ") + case["name"]
                      + ("  (golden files written)" if update else ""))
                for problem in case_problems:
                    print("     " + problem.replace("\n", "\n     "))
                failures += 1 if case_problems else 0
    print(f"{len(selected) + len(problems) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
