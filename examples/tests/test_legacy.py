"""Deliberately non-compliant tests."""

import unittest
from unittest import mock


class TestParse(unittest.TestCase):
    def setUp(self):
        self.value = "1"

    def test_parse(self):
        self.assertEqual(int(self.value), 1)


def test_fetch():
    with mock.patch("service.requests.get") as get:
        get.return_value.json.return_value = {}
        result = get("x")
        assert result is not None
