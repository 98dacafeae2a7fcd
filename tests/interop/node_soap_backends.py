"""Runs node_soap_backends.js (node-soap servers built from the WSDL files) for a test.

Same interface as spyne_backends.Backends: base, received(path), clear(),
stop(), and the trigger numbers and fault contents the services answer with.
The node process reads its stdin: it exits when this process goes away.
"""
import json
import os
import subprocess
import threading
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
STACK = "node-soap"
WO_NS = "http://schemas.cableco.example/fieldops/workorder/migration/v1"
MIDAS_NS = "http://schemas.cableco.example/midas/customer/migration/v1"
ORDER_PATTERN = r"^NODE-\d{6}$"
BUSINESS_FAULT_NUMBER = "447700700001"
SYSTEM_FAULT_NUMBER = "447700700002"
MIDAS_FAULT_NUMBER = "447700700003"
WORK_ORDER_BUSINESS_FAULT = ("NODE-B1", "Engineer calendar closed for this exchange")
WORK_ORDER_SYSTEM_FAULT = ("NODE-S1", "Order store unavailable")
MIDAS_FAULT = ("NODE-M5", "Customer index rebuilding")


class Exchange:
    def __init__(self, record):
        self.path = record["path"]
        self.headers = record["headers"]
        self.request = record["request"].encode("utf-8")
        self.status = record["status"]
        self.response = record["response"].encode("utf-8")


class Backends:
    def __init__(self, wsdl_dir):
        script = os.path.join(HERE, "node_soap_backends.js")
        self._proc = subprocess.Popen(["node", script, wsdl_dir], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                      env={**os.environ, "NODE_PATH": os.path.join(HERE, "node_modules")})
        timer = threading.Timer(20, self._proc.kill)
        timer.start()
        line = self._proc.stdout.readline()
        timer.cancel()
        if "listening on " not in line:
            self._proc.kill()
            raise RuntimeError("node-soap backends did not start (run scripts/setup.sh: npm ci in "
                               "tests/interop):\n" + line + self._proc.stderr.read())
        self.base = line.split("listening on ", 1)[1].strip()

    def received(self, path):
        with urllib.request.urlopen(self.base + "/__received", timeout=10) as response:
            return [Exchange(r) for r in json.load(response) if r["path"] == path]

    def clear(self):
        urllib.request.urlopen(urllib.request.Request(self.base + "/__received", method="DELETE"), timeout=10).read()

    def stop(self):
        if self._proc.poll() is None:
            self._proc.stdin.close()
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
