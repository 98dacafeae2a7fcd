#!/usr/bin/python3
"""The regression suite's coverage rule can fail: a WSDL that gains an operation
or a fault with no golden case, or a case naming what no WSDL has, is reported.

usage: coverage_test.py WSDL_DIR FIXTURES_DIR
"""
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import replay_test  # noqa: E402

WSDL_DIR, FIXTURES_DIR = (sys.argv.pop(1), sys.argv.pop(1)) if __name__ == "__main__" else (None, None)
MIDAS_FAULT = '<wsdl:fault name="MidasFault" message="midas:MidasFault"/>'


class CoverageTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.wsdl_dir = os.path.join(self.dir.name, "wsdl")
        shutil.copytree(WSDL_DIR, self.wsdl_dir)
        self.cases = replay_test.load_cases(FIXTURES_DIR)

    def tearDown(self):
        self.dir.cleanup()

    def edit_midas_wsdl(self, old, new):
        path = os.path.join(self.wsdl_dir, "MidasCustomerService.wsdl")
        with open(path, encoding="utf-8") as f:
            text = f.read()
        self.assertIn(old, text)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text.replace(old, new, 1))

    def problems(self):
        return replay_test.coverage_problems(replay_test.contract_items(self.wsdl_dir), self.cases)

    def test_the_committed_cases_cover_the_committed_wsdls(self):
        """Every operation and declared fault of wsdl/ has a case today."""
        self.assertEqual(self.problems(), [])

    def test_a_new_fault_without_a_case_is_reported(self):
        """A fault added to a WSDL operation with no case fails the suite, naming it."""
        self.edit_midas_wsdl(MIDAS_FAULT, MIDAS_FAULT + '<wsdl:fault name="LockFault" message="midas:MidasFault"/>')
        self.assertEqual(self.problems(), ["MidasCustomerService.wsdl: fault LockFault of operation "
                                           "UpdateCustomerMigrationStatus has no golden case under "
                                           "tests/fixtures/MidasCustomerService/"])

    def test_a_new_operation_without_a_case_is_reported(self):
        """An operation added to a WSDL's portType with no case fails the suite, naming it."""
        self.edit_midas_wsdl("</wsdl:portType>", '<wsdl:operation name="GetCustomerMigrationStatus">'
                             '<wsdl:input message="midas:UpdateCustomerMigrationStatusRequest"/>'
                             '</wsdl:operation></wsdl:portType>')
        self.assertEqual(self.problems(), ["MidasCustomerService.wsdl: operation GetCustomerMigrationStatus "
                                           "has no golden case under tests/fixtures/MidasCustomerService/"])

    def test_a_case_for_a_removed_fault_is_reported(self):
        """A case covering a fault the WSDL no longer declares is reported as stale."""
        self.edit_midas_wsdl(MIDAS_FAULT, "")
        problems = self.problems()
        self.assertTrue(problems)
        self.assertTrue(all("MidasCustomerService" in p and "MidasFault" in p for p in problems), problems)


if __name__ == "__main__":
    unittest.main(verbosity=2)
