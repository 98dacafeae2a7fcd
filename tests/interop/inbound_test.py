#!/usr/bin/python3
"""Inbound interoperability: third-party SOAP clients call the adapter's SOAP face.

The adapter runs with --simulate. A client of another stack (zeep, suds or
node-soap, inbound_clients.py) loads the WSDL from the running adapter (GET /soap?wsdl)
and calls CreateVOIPMigrationWorkOrder for success, validation failure and
backend failure; each test asserts the TYPED result the client built (attribute
access on its generated types, never raw XML), what the simulators received,
and validates with xmllint every message of the exchange: the client's request
and the adapter's answer against wsdl/VOIPMigrationWorkOrder.wsdl, the
adapter's backend requests against their WSDLs.

usage: inbound_test.py zeep|suds|node-soap ADAPTER_BINARY WSDL_DIR
"""
import json
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support", "py"))
sys.path.insert(0, HERE)

from adapter_process import Adapter, http  # noqa: E402
from inbound_clients import CLIENTS  # noqa: E402
from schema_check import WsdlSchema  # noqa: E402

STACK, ADAPTER_BINARY, WSDL_DIR = [sys.argv.pop(1) for _ in range(3)] if __name__ == "__main__" else [None] * 3
ORDER_PATTERN = r"^WO\d{10}$"


def faults_of(part):
    """The fault entries of a typed success or failure, read by attribute."""
    entries = getattr(part, "fault", None) or []
    return entries if isinstance(entries, list) else [entries]


class InboundTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.workdir = tempfile.TemporaryDirectory()
        cls.schemas = {name: WsdlSchema(os.path.join(WSDL_DIR, name + ".wsdl"), cls.workdir.name)
                       for name in ("VOIPMigrationWorkOrder", "WorkOrderService", "MidasCustomerService")}
        cls.adapter = Adapter(ADAPTER_BINARY, "--simulate", "--workorder-timeout-ms", "1000",
                              "--midas-timeout-ms", "1000")
        try:
            cls.client = CLIENTS[STACK](cls.adapter.base + "/soap?wsdl")
        except Exception:
            cls.adapter.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        cls.adapter.stop()
        cls.workdir.cleanup()

    def setUp(self):
        http("DELETE", self.adapter.sim_base + "/__sim/received")

    def call(self, telephone, account="123456789", site=42):
        """Calls through the client; validates the exchange; returns (typed result, what the simulators got)."""
        result = self.client.call(telephone, account, site)
        self.assertNotIsInstance(result, (str, bytes, dict))
        sent, answered = self.client.last_exchange()
        face = self.schemas["VOIPMigrationWorkOrder"]
        face.validate_envelope(sent, f"{STACK}'s request")
        face.validate_envelope(answered, "the adapter's SOAP answer")
        _, _, raw = http("GET", self.adapter.sim_base + "/__sim/received")
        received = json.loads(raw)
        for record in received["workOrders"]:
            self.schemas["WorkOrderService"].validate_envelope(record["rawXml"], "the adapter's work-order request")
        for record in received["midasUpdates"]:
            self.schemas["MidasCustomerService"].validate_envelope(record["rawXml"], "the adapter's MIDAS update")
        return result, received

    def assert_fault(self, entry, kind, detail=None, origin=None):
        expected = {"BUSINESS": ("10685", "Business Exception", "ERROR"),
                    "SYSTEM": ("10686", "System Exception", "CRITICAL")}[kind]
        self.assertEqual((entry.type, entry.code, entry.description, entry.severity, entry.sourceSystem),
                         (kind, *expected, "Middleware"))
        if detail is not None:
            self.assertEqual(entry.detail, detail)
        if origin is None:
            self.assertIsNone(getattr(entry, "origin", None))
        else:
            self.assertEqual((entry.origin.system, entry.origin.code, entry.origin.message), origin)

    def test_wsdl_points_the_client_at_this_adapter(self):
        """The WSDL served at /soap?wsdl gives the client this adapter's /soap as its address."""
        self.assertEqual(self.client.address(), self.adapter.base + "/soap")

    def test_success_is_a_typed_success_with_the_order_number(self):
        """A valid call gives a typed success holding the order number the work-order system gave, no faults."""
        result, received = self.call("447874384949")
        self.assertIsNone(getattr(result, "failure", None))
        self.assertRegex(result.success.orderNumber, ORDER_PATTERN)
        self.assertEqual(faults_of(result.success), [])
        (work_order,) = received["workOrders"]
        self.assertEqual((work_order["telephoneNumber"], work_order["accountNumber"], work_order["siteReference"]),
                         ("447874384949", "123456789", 42))
        self.assertEqual(work_order["orderNumber"], result.success.orderNumber)
        (update,) = received["midasUpdates"]
        self.assertEqual((update["migrationStatus"], update["orderNumber"]),
                         ("WORK_ORDER_CREATED", result.success.orderNumber))

    def test_blank_fields_give_a_typed_failure_and_call_no_backend(self):
        """Blank telephone and account numbers give a typed failure with one BUSINESS entry each; no backend is called."""
        result, received = self.call("  ", account=" ")
        self.assertIsNone(getattr(result, "success", None))
        entries = faults_of(result.failure)
        self.assertEqual(len(entries), 2)
        self.assert_fault(entries[0], "BUSINESS", "telephoneNumber must not be null or blank")
        self.assert_fault(entries[1], "BUSINESS", "accountIdentification.accountNumber must not be null or blank")
        self.assertEqual((received["workOrders"], received["midasUpdates"]), ([], []))

    def test_nil_telephone_number_gives_a_typed_failure(self):
        """A nil (xsi:nil) telephone number, as the client sends None, gives a typed failure; no backend is called."""
        result, received = self.call(None)
        (entry,) = faults_of(result.failure)
        self.assert_fault(entry, "BUSINESS", "telephoneNumber must not be null or blank")
        self.assertEqual(received["workOrders"], [])

    def test_malformed_telephone_number_gives_a_typed_failure(self):
        """A telephone number with letters gives a typed failure naming the rule; no backend is called."""
        result, received = self.call("44787438494X")
        (entry,) = faults_of(result.failure)
        self.assert_fault(entry, "BUSINESS", "telephoneNumber must contain digits only "
                                             "(E.164 without '+', for example 447874384949)")
        self.assertEqual(received["workOrders"], [])

    def test_work_order_business_fault_is_a_typed_failure_with_its_origin(self):
        """The work-order system's business fault comes back as a typed BUSINESS failure carrying its origin."""
        result, received = self.call("447700900001")
        (entry,) = faults_of(result.failure)
        self.assert_fault(entry, "BUSINESS", origin=("WorkOrderSystem", "WO-2001",
                                                     "Site reference not known to the work-order system"))
        self.assertEqual([u["migrationStatus"] for u in received["midasUpdates"]], ["WORK_ORDER_FAILED"])

    def test_work_order_system_fault_is_a_typed_failure_with_its_origin(self):
        """The work-order system's system fault comes back as a typed SYSTEM failure carrying its origin."""
        result, _ = self.call("447700900002")
        (entry,) = faults_of(result.failure)
        self.assert_fault(entry, "SYSTEM", origin=("WorkOrderSystem", "WO-5001", "Scheduling engine unavailable"))

    def test_midas_failure_after_create_is_a_typed_success_with_a_fault(self):
        """MIDAS failing after the create gives a typed success with the order number and one MIDAS fault entry."""
        result, received = self.call("447700900007")
        self.assertRegex(result.success.orderNumber, ORDER_PATTERN)
        (entry,) = faults_of(result.success)
        self.assert_fault(entry, "SYSTEM", origin=("MIDAS", "MIDAS-5003", "Customer record locked"))
        self.assertEqual(len(received["midasUpdates"]), 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
