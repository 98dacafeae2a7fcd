#!/usr/bin/python3
"""Newest truth wins across kill -9 (issue 16): a customer's WORK_ORDER_FAILED
update is left pending (MIDAS down), the adapter is killed -9, and a restarted
adapter on the same database creates a work order for the same customer once
MIDAS is back. The failed update is superseded by the created one (its
sequence comes from the database, so it is newer across the restart) and is
never sent to MIDAS, not even by a third process's relay: MIDAS accepts only
WORK_ORDER_CREATED for the customer.

Both legacy systems are in-test SOAP backends on a loopback port (the work
order answers a business fault first, then creates WO-2; MIDAS answers 503
until told it is back), and they record what they received. Bounded (~10 s).

usage: midas_order_test.py ADAPTER_BINARY
"""
import http.server
import os
import re
import shutil
import sqlite3
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support", "py"))
from adapter_process import Adapter, migration_request, post_json  # noqa: E402

ADAPTER = sys.argv[1]
TELEPHONE = "447874384949"

ENVELOPE = ('<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:{p}="{ns}">'
            '<soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>')
WO_NS = "http://schemas.cableco.example/fieldops/workorder/migration/v1"
MIDAS_NS = "http://schemas.cableco.example/midas/customer/migration/v1"
REJECTED = ENVELOPE.format(p="wo", ns=WO_NS, body=(
    "<soapenv:Fault><faultcode>soapenv:Client</faultcode><faultstring>Rejected</faultstring><detail>"
    "<wo:WorkOrderFault><wo:code>WO-2001</wo:code><wo:message>Site reference not known</wo:message>"
    "<wo:category>BUSINESS</wo:category></wo:WorkOrderFault></detail></soapenv:Fault>"))
CREATED = ENVELOPE.format(p="wo", ns=WO_NS, body=(
    "<wo:CreateMigrationWorkOrderResponse><wo:orderNumber>WO-2</wo:orderNumber>"
    "</wo:CreateMigrationWorkOrderResponse>"))
ACKNOWLEDGED = ENVELOPE.format(p="midas", ns=MIDAS_NS, body=(
    "<midas:UpdateCustomerMigrationStatusResponse><midas:acknowledged>true</midas:acknowledged>"
    "</midas:UpdateCustomerMigrationStatusResponse>"))


class Backends(http.server.ThreadingHTTPServer):
    """POST /workorder answers the queued answers in order; POST /midas records
    (telephone, status, accepted) and acknowledges once midas_up, else 503."""

    def __init__(self, work_orders):
        super().__init__(("127.0.0.1", 0), Handler)
        self.lock = threading.Lock()
        self.work_orders = list(work_orders)
        self.midas_up = False
        self.midas_received = []
        self.base = "http://127.0.0.1:%d" % self.server_address[1]
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def accepted_statuses(self, telephone):
        with self.lock:
            return [status for tel, status, accepted in self.midas_received if tel == telephone and accepted]

    def midas_calls(self):
        with self.lock:
            return len(self.midas_received)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode("utf-8", "replace")
        server = self.server
        with server.lock:
            if self.path == "/workorder":
                answer = server.work_orders.pop(0) if server.work_orders else REJECTED
                status = 500 if answer is REJECTED else 200
            else:
                telephone = re.search(r"telephoneNumber>([^<]*)<", body).group(1)
                migration_status = re.search(r"migrationStatus>([^<]*)<", body).group(1)
                server.midas_received.append((telephone, migration_status, server.midas_up))
                answer, status = (ACKNOWLEDGED, 200) if server.midas_up else ("<html>down</html>", 503)
        payload = answer.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/xml; charset=utf-8" if status != 503 else "text/html")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


def wait_for(condition, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def rows(database, sql):
    connection = sqlite3.connect(database)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def main():
    failures = []
    data_dir = tempfile.mkdtemp(prefix="midas-order-test-")
    database = os.path.join(data_dir, "adapter.db")
    backends = Backends([REJECTED, CREATED])
    args = ["--workorder-url", backends.base + "/workorder", "--midas-url", backends.base + "/midas",
            "--auth", "none", "--database", database, "--outbox-retry-base-ms", "1", "--outbox-retry-cap-ms", "1"]
    adapter = None
    try:
        adapter = Adapter(ADAPTER, *args)
        status, _ = post_json(adapter.base, migration_request(TELEPHONE))
        if status != 422:
            failures.append(f"the first request answered {status}, expected 422 (work-order business fault)")
        adapter._proc.kill()  # kill -9 between the two requests
        adapter._proc.wait()
        older = rows(database, "SELECT id, status, delivery FROM outbox")
        if [(status, delivery) for _, status, delivery in older] != [("WORK_ORDER_FAILED", "pending")]:
            failures.append(f"after the crash the outbox holds {older}, expected one pending WORK_ORDER_FAILED")

        calls = backends.midas_calls()
        adapter = Adapter(ADAPTER, *args)  # restarted on the same database; its relay's first round fails
        if not wait_for(lambda: backends.midas_calls() > calls, 10):
            failures.append("the restarted adapter's relay did not try the pending update")
        backends.midas_up = True
        status, body = post_json(adapter.base, migration_request(TELEPHONE))
        order = body.get("CreateVOIPMigrationWorkOrder", {}).get("success", {}).get("orderNumber")
        if status != 200 or order != "WO-2":
            failures.append(f"the second request answered {status} {body}, expected 200 with WO-2")
        table = rows(database, "SELECT id, delivery FROM outbox ORDER BY id")
        if not older or not table or table[0] != (older[0][0], "superseded"):
            failures.append(f"the failed update is not superseded after the created order: {table}")
        else:
            sequences = rows(database, "SELECT id, sequence, superseded_by FROM outbox ORDER BY id")
            (old_id, old_sequence, superseded_by), newer = sequences[0], sequences[-1]
            if not (superseded_by == newer[0] and newer[1] > old_sequence):
                failures.append(f"expected the failed update superseded by a newer sequence: {sequences}")
        adapter.stop()

        adapter = Adapter(ADAPTER, *args)  # a third process: its relay's first round finds nothing to send
        if not wait_for(lambda: not rows(database, "SELECT 1 FROM outbox WHERE delivery = 'pending'"), 10):
            failures.append("updates are still pending: " + str(rows(database, "SELECT * FROM outbox")))
        accepted = backends.accepted_statuses(TELEPHONE)
        if not accepted or set(accepted) != {"WORK_ORDER_CREATED"}:
            failures.append(f"MIDAS accepted {accepted} for the customer, expected only WORK_ORDER_CREATED")
    finally:
        if adapter:
            adapter.stop()
        backends.shutdown()
        shutil.rmtree(data_dir, ignore_errors=True)
    for failure in failures:
        print("FAIL " + failure)
    print(f"{1 - bool(failures)} passed, {int(bool(failures))} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
