"""Shared helpers for the test modules: the only thing a test module imports from ``tests``.

- ``tests.support.seeds``      PROJECT, SEEDS, SEED_PAGES and ``copy_seeds`` (seed pages into a scratch folder)
- ``tests.support.jobs``       ``run_job``: warehouse_job in-process, as the UI launches it
- ``tests.support.snapshots``  ``TABLE_IDS``, ``snapshot``, ``snapshot_of``: row counts + id hashes per table
- ``tests.support.scripts``    ``load_script``: a module of ``scripts/`` (e.g. fault_scenarios) by name
- ``tests.support.readme``     the README / analyst-guide SQL examples and how results are rendered
- ``tests.support.expected``   the hand-read quantities of the seed pages (defined in tests/test_metrics.py)
- ``tests.support.browser``    headless Chromium over the DevTools protocol (marker ``browser``)
- ``tests.support.pg``         a throw-away PostgreSQL server (marker ``postgres``)

Test modules never import each other; conftest.py holds only fixtures.
"""
