"""The self-test's stored numbers are what statsmodels computes from the demo data.

``gui/selftest_expected.json`` is written by ``packaging/selftest_expected.py``, which fits
every regression with statsmodels; this test runs the script afresh and compares its output
with the stored file, so the stored numbers can neither drift from the demo data nor come
from the app.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from numpy.testing import assert_allclose

ROOT = Path(__file__).resolve().parent.parent


def test_stored_numbers_are_statsmodels_on_the_demo_data():
    """Running the script gives the stored file's cells, and values equal to 1e-10 relative."""
    done = subprocess.run(
        [sys.executable, "packaging/selftest_expected.py"],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    computed = json.loads(done.stdout)
    stored = json.loads((ROOT / "gui" / "selftest_expected.json").read_text(encoding="utf-8"))
    assert computed.keys() == stored.keys()
    for tab in stored:

        def cells(items: list[dict]) -> list[tuple]:
            return [(e["table"], e["key"], e["row"], e["column"]) for e in items]

        assert cells(computed[tab]) == cells(stored[tab]), tab
        values = [e["value"] for e in stored[tab]]
        assert_allclose([e["value"] for e in computed[tab]], values, rtol=1e-10, atol=0, err_msg=tab)
