#!/usr/bin/python3
"""Outbound interoperability: the adapter's gSOAP clients against another SOAP stack.

The whole adapter binary runs with --workorder-url/--midas-url pointed at
independent implementations of the work-order system and MIDAS in another
stack: spyne (spyne_backends.py) or node-soap (node_soap_backends.js). Each test
POSTs JSON to the adapter and asserts the HTTP status, the JSON answer and what
the other stack received; every SOAP message of the exchange (the adapter's
requests and the other stack's answers and faults) is validated with
`xmllint --schema` against the schema inside the WSDL it belongs to.

usage: outbound_test.py spyne|node-soap ADAPTER_BINARY WSDL_DIR
"""
import os
import sys
import tempfile
import unittest

from lxml import etree

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support", "py"))
sys.path.insert(0, HERE)

from adapter_process import Adapter, migration_request, post_json  # noqa: E402
from schema_check import WsdlSchema  # noqa: E402

STACK, ADAPTER_BINARY, WSDL_DIR = [sys.argv.pop(1) for _ in range(3)] if __name__ == "__main__" else [None] * 3
if STACK == "spyne":
    import spyne_backends as other  # noqa: E402
elif STACK == "node-soap":
    import node_soap_backends as other  # noqa: E402
else:
    raise SystemExit(f"unknown stack {STACK!r}: spyne or node-soap")


def fields(raw_request, namespace, wrapper):
    """The children of the request's wrapper element as {localname: text}."""
    envelope = etree.fromstring(raw_request)
    body_child = envelope.find("{http://schemas.xmlsoap.org/soap/envelope/}Body")[0]
    assert body_child.tag == f"{{{namespace}}}{wrapper}", body_child.tag
    return {etree.QName(c).localname: c.text for c in body_child}


class OutboundTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.workdir = tempfile.TemporaryDirectory()
        cls.work_order_schema = WsdlSchema(os.path.join(WSDL_DIR, "WorkOrderService.wsdl"), cls.workdir.name)
        cls.midas_schema = WsdlSchema(os.path.join(WSDL_DIR, "MidasCustomerService.wsdl"), cls.workdir.name)
        cls.backends = other.Backends(WSDL_DIR)
        try:
            cls.adapter = Adapter(ADAPTER_BINARY,
                                  "--workorder-url", cls.backends.base + "/workorder",
                                  "--midas-url", cls.backends.base + "/midas",
                                  "--workorder-timeout-ms", "5000", "--midas-timeout-ms", "5000",
                                  "--auth", "none")  # caller authentication: tests/integration/caller_auth_test.cc
        except Exception:
            cls.backends.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.adapter.stop()
        cls.backends.stop()
        cls.workdir.cleanup()

    def setUp(self):
        self.backends.clear()

    def exchanges(self):
        """Both backends' exchanges, each message validated against its WSDL's schema.
        Returns (work-order request fields, MIDAS request fields) lists."""
        work_orders = self.backends.received("/workorder")
        updates = self.backends.received("/midas")
        for exchange, schema in [(e, self.work_order_schema) for e in work_orders] + \
                                [(e, self.midas_schema) for e in updates]:
            schema.validate_envelope(exchange.request, f"the adapter's request to {exchange.path}")
            schema.validate_envelope(exchange.response, f"{other.STACK}'s answer on {exchange.path}")
        return ([fields(e.request, other.WO_NS, "CreateMigrationWorkOrderRequest") for e in work_orders],
                [fields(e.request, other.MIDAS_NS, "UpdateCustomerMigrationStatusRequest") for e in updates])

    def test_success_returns_their_order_number_and_tells_midas(self):
        """A work order created by the other stack reaches the consumer, and its MIDAS is told WORK_ORDER_CREATED."""
        status, answer = post_json(self.adapter.base, migration_request("447874384949"))
        self.assertEqual(status, 200, answer)
        order = answer["CreateVOIPMigrationWorkOrder"]["success"]["orderNumber"]
        self.assertRegex(order, other.ORDER_PATTERN)
        self.assertEqual(answer["CreateVOIPMigrationWorkOrder"]["success"]["fault"], [])
        work_orders, updates = self.exchanges()
        self.assertEqual(len(work_orders), 1)
        self.assertEqual(work_orders[0]["telephoneNumber"], "447874384949")
        self.assertEqual(work_orders[0]["accountNumber"], "123456789")
        self.assertEqual(work_orders[0]["siteReference"], "42")
        self.assertEqual(work_orders[0]["migrationType"], "TDM_TO_VOC")
        self.assertTrue(work_orders[0].get("correlationId"))
        self.assertEqual(len(updates), 1)
        self.assertEqual(updates[0]["migrationStatus"], "WORK_ORDER_CREATED")
        self.assertEqual(updates[0]["orderNumber"], order)
        self.assertEqual(updates[0]["correlationId"], work_orders[0]["correlationId"])

    def test_soap_action_is_the_one_each_wsdl_declares(self):
        """Both requests carry the SOAPAction their WSDL's binding declares."""
        post_json(self.adapter.base, migration_request("447874384949"))
        (work_order,), (update,) = self.backends.received("/workorder"), self.backends.received("/midas")
        self.assertEqual(work_order.headers.get("soapaction", "").strip('"'), other.WO_NS + "/CreateMigrationWorkOrder")
        self.assertEqual(update.headers.get("soapaction", "").strip('"'), other.MIDAS_NS + "/UpdateCustomerMigrationStatus")
        self.assertTrue(work_order.headers["content-type"].startswith("text/xml"))

    def test_typed_business_fault_reaches_the_consumer_with_its_origin(self):
        """The other stack's typed WorkOrderFault (Client, BUSINESS) becomes 422 BUSINESS 10685 with its code and message."""
        status, answer = post_json(self.adapter.base, migration_request(other.BUSINESS_FAULT_NUMBER))
        self.assertEqual(status, 422, answer)
        (fault,) = answer["CreateVOIPMigrationWorkOrder"]["failure"]["fault"]
        code, message = other.WORK_ORDER_BUSINESS_FAULT
        self.assertEqual((fault["type"], fault["code"], fault["severity"]), ("BUSINESS", "10685", "ERROR"))
        self.assertEqual(fault["origin"], {"system": "WorkOrderSystem", "code": code, "message": message})
        self.assertIn(message, fault["detail"])
        work_orders, updates = self.exchanges()
        self.assertEqual(len(work_orders), 1)
        self.assertEqual(len(updates), 1)
        self.assertEqual(updates[0]["migrationStatus"], "WORK_ORDER_FAILED")
        self.assertNotIn("orderNumber", updates[0])
        self.assertIn(message, updates[0]["reason"])

    def test_typed_system_fault_reaches_the_consumer_with_its_origin(self):
        """The other stack's typed WorkOrderFault (Server, SYSTEM) becomes 502 SYSTEM 10686 with its code and message."""
        status, answer = post_json(self.adapter.base, migration_request(other.SYSTEM_FAULT_NUMBER))
        self.assertEqual(status, 502, answer)
        (fault,) = answer["CreateVOIPMigrationWorkOrder"]["failure"]["fault"]
        code, message = other.WORK_ORDER_SYSTEM_FAULT
        self.assertEqual((fault["type"], fault["code"], fault["severity"]), ("SYSTEM", "10686", "CRITICAL"))
        self.assertEqual(fault["origin"], {"system": "WorkOrderSystem", "code": code, "message": message})
        _, updates = self.exchanges()
        self.assertEqual([u["migrationStatus"] for u in updates], ["WORK_ORDER_FAILED"])

    def test_typed_midas_fault_after_create_is_a_success_with_a_fault_entry(self):
        """The other stack's typed MidasFault after a create gives 200, the order number and a fault with MIDAS's origin."""
        status, answer = post_json(self.adapter.base, migration_request(other.MIDAS_FAULT_NUMBER))
        self.assertEqual(status, 200, answer)
        success = answer["CreateVOIPMigrationWorkOrder"]["success"]
        self.assertRegex(success["orderNumber"], other.ORDER_PATTERN)
        (fault,) = success["fault"]
        code, message = other.MIDAS_FAULT
        self.assertEqual(fault["origin"], {"system": "MIDAS", "code": code, "message": message})
        work_orders, updates = self.exchanges()
        self.assertEqual((len(work_orders), len(updates)), (1, 1))
        self.assertEqual(updates[0]["orderNumber"], success["orderNumber"])

    def test_markup_characters_are_escaped_on_the_wire(self):
        """An account number with <, &, ]]> and quotes reaches the other stack intact in schema-valid XML."""
        account = "A<&>]]>'\"1"
        status, answer = post_json(self.adapter.base, migration_request("447874384949", account=account))
        self.assertEqual(status, 200, answer)
        work_orders, updates = self.exchanges()
        self.assertEqual(work_orders[0]["accountNumber"], account)
        self.assertEqual(updates[0]["accountNumber"], account)

    def test_non_ascii_text_arrives_unmangled(self):
        """A non-ASCII account number crosses to the other stack as the same characters (UTF-8 on the wire)."""
        account = "Zürich-Łódź-東京"
        status, answer = post_json(self.adapter.base, migration_request("447874384949", account=account))
        self.assertEqual(status, 200, answer)
        work_orders, updates = self.exchanges()
        self.assertEqual(work_orders[0]["accountNumber"], account)
        self.assertEqual(updates[0]["accountNumber"], account)


if __name__ == "__main__":
    unittest.main(verbosity=2)
