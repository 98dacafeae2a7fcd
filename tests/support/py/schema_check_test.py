#!/usr/bin/python3
"""The schema check used by the interop and regression tests can fail: it
rejects messages that break the WSDL's schema, and accepts valid ones.

usage: schema_check_test.py WSDL_DIR
"""
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from schema_check import SchemaError, WsdlSchema  # noqa: E402

WSDL_DIR = sys.argv.pop(1) if __name__ == "__main__" else None
WO = "http://schemas.cableco.example/fieldops/workorder/migration/v1"


def envelope(body):
    return ('<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">'
            f'<s:Body>{body}</s:Body></s:Envelope>')


def request(telephone="447874384949", migration_type="TDM_TO_VOC"):
    return envelope(f'<w:CreateMigrationWorkOrderRequest xmlns:w="{WO}"><w:telephoneNumber>{telephone}'
                    '</w:telephoneNumber><w:accountNumber>1</w:accountNumber><w:siteReference>4'
                    f'</w:siteReference><w:migrationType>{migration_type}</w:migrationType>'
                    '</w:CreateMigrationWorkOrderRequest>')


class SchemaCheckTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.schema = WsdlSchema(os.path.join(WSDL_DIR, "WorkOrderService.wsdl"), self.dir.name)

    def tearDown(self):
        self.dir.cleanup()

    def test_valid_request_passes(self):
        """A request exactly as the WSDL describes validates."""
        self.schema.validate_envelope(request(), "valid")

    def test_enumeration_violation_fails(self):
        """A migrationType outside the WSDL's enumeration is rejected by xmllint."""
        with self.assertRaisesRegex(SchemaError, "migrationType"):
            self.schema.validate_envelope(request(migration_type="VOC_TO_TDM"), "bad enum")

    def test_pattern_violation_fails(self):
        """A telephone number with a plus breaks the WSDL's pattern and is rejected."""
        with self.assertRaisesRegex(SchemaError, "telephoneNumber"):
            self.schema.validate_envelope(request(telephone="+447874384949"), "bad pattern")

    def test_fault_detail_of_the_wrong_type_fails(self):
        """A SOAP Fault whose detail is not declared in the schema is rejected."""
        fault = envelope('<s:Fault><faultcode>s:Server</faultcode><faultstring>x</faultstring>'
                         '<detail><e:Other xmlns:e="urn:other"/></detail></s:Fault>')
        with self.assertRaises(SchemaError):
            self.schema.validate_envelope(fault, "foreign detail")

    def test_not_xml_fails(self):
        """A body that is not well-formed XML is reported, not crashed on."""
        with self.assertRaisesRegex(SchemaError, "not well-formed"):
            self.schema.validate_envelope(b"<s:Envelope", "broken")


if __name__ == "__main__":
    unittest.main(verbosity=2)
